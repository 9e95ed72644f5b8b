-- Languages: the one each attendee reads their SMS, USSD menu, wallet and kiosk in (a BCP 47
-- tag of ingia_core::Lang; NULL: the event's), and the event's default.
ALTER TABLE events ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE tickets ADD COLUMN lang TEXT;
