-- Ingia schema v2 (PostgreSQL): proofs of presentation, doubted and annulled admissions, alerts to the
-- organizer, and ticket secrets sealed under the master key.
ALTER TABLE checkins ADD COLUMN proof BYTEA;            -- ingia_core::Proof as the record carries it
ALTER TABLE checkins ADD COLUMN doubt TEXT;            -- why an admission is not counted (outcome 'doubted')
ALTER TABLE checkins ADD COLUMN annulled_at BIGINT;    -- when the organizer annulled it (outcome 'annulled')
-- Code secret, PIN and signed credential, sealed (XChaCha20-Poly1305 under the master key); the
-- clear columns code_secret, pin and credential stay NULL (older rows are sealed at start-up).
ALTER TABLE tickets ADD COLUMN sealed BYTEA;
ALTER TABLE tickets ADD COLUMN pin_tag TEXT;           -- keyed hash of the PIN: uniqueness without the PIN
CREATE UNIQUE INDEX tickets_pin_tag ON tickets (event_id, pin_tag);
-- Hours after the event ends that gate devices keep its data (then they delete it).
ALTER TABLE events ADD COLUMN keep_hours BIGINT NOT NULL DEFAULT 12;
CREATE INDEX checkins_device_at ON checkins (device_id, at);
CREATE TABLE alerts (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    device_id BIGINT,
    kind TEXT NOT NULL,                                 -- over_ceiling | doubted
    detail TEXT NOT NULL
);
CREATE INDEX alerts_event ON alerts (event_id, at);
