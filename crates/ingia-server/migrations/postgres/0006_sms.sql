-- Ingia schema v6: feature phones (SMS and USSD). Each event's SMS channel is a device row
-- (channel 'sms'; no token, never pairs) so an SMS check-in is a check-in record like a
-- scanner's. Outbound texts wait in sms_outbox: one row per text (its `once` key: a ticket's
-- text or the reply to one inbound message is never queued twice), the secret part sealed
-- under the master key until sent. Every inbound attempt is a row of sms_attempts (the abuse
-- limits count them; the provider's message id makes a retried callback a no-op).
ALTER TABLE devices ADD COLUMN channel TEXT;
ALTER TABLE events ADD COLUMN sms_any_number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN sms_daily_cap BIGINT NOT NULL DEFAULT 10000;
CREATE TABLE sms_outbox (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL,
    ticket_id BIGINT,
    once TEXT NOT NULL UNIQUE,
    phone TEXT NOT NULL,
    kind TEXT NOT NULL,                         -- ticket | reply
    sealed BYTEA,                               -- ticket: the wallet token; reply: the text
    segments BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,                        -- queued | sending | sent | delivered | failed
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    claimed_at BIGINT,
    provider_id TEXT,
    last_error TEXT,
    sent_at BIGINT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX sms_outbox_due ON sms_outbox (state, next_at);
CREATE INDEX sms_outbox_provider ON sms_outbox (provider_id);
CREATE INDEX sms_outbox_ticket ON sms_outbox (event_id, ticket_id);
CREATE TABLE sms_attempts (
    id BIGSERIAL PRIMARY KEY,
    inbound_id TEXT NOT NULL UNIQUE,
    event_id BIGINT,
    ticket_id BIGINT,
    phone TEXT NOT NULL,
    channel TEXT NOT NULL,                      -- sms | ussd
    at BIGINT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX sms_attempts_phone ON sms_attempts (phone, at);
