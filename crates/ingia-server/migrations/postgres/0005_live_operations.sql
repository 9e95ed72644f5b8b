-- Ingia schema v5: live operations. The venue's capacity (the dashboard's alerts at 80, 90 and
-- 100% of it; NULL on older events: the issued tickets count), and alerts raised once: a row
-- with a `once` key (capacity_80, forgery:GATE:WINDOW) is never stored twice for its event,
-- even when two server instances see the threshold crossed together.
ALTER TABLE events ADD COLUMN capacity BIGINT;
ALTER TABLE alerts ADD COLUMN once TEXT;
ALTER TABLE alerts ADD COLUMN gate_id BIGINT;
CREATE UNIQUE INDEX alerts_once ON alerts (event_id, once);
-- Alerts mailed to the organizer: the event's address for them (NULL: none), and one mail per
-- alert raised (its `once` key: never two), retried like ticket mail.
ALTER TABLE events ADD COLUMN alert_email TEXT;
CREATE TABLE alert_mails (
    event_id BIGINT NOT NULL,
    once TEXT NOT NULL,
    email TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    state TEXT NOT NULL,                        -- queued | sending | sent | failed
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    claimed_at BIGINT,
    last_error TEXT,
    sent_at BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, once)
);
CREATE INDEX alert_mails_due ON alert_mails (state, next_at);
