-- A ticket type's ways in besides the live code: bits 1 printed code, 2 PIN typed at a gate,
-- 4 SMS or USSD from the number on file (ingia_core::Ways::bits). "Live code required" meant
-- the live code only.
ALTER TABLE ticket_types ADD COLUMN ways BIGINT NOT NULL DEFAULT 7;
UPDATE ticket_types SET ways = CASE WHEN code_required <> 0 THEN 0 ELSE 7 END;
ALTER TABLE ticket_types DROP COLUMN code_required;
