-- Ingia schema v5: live operations. The venue's capacity (the dashboard's alerts at 80, 90 and
-- 100% of it; NULL on older events: the issued tickets count), and alerts raised once: a row
-- with a `once` key (capacity_80, forgery:GATE:WINDOW) is never stored twice for its event,
-- even when two server instances see the threshold crossed together.
ALTER TABLE events ADD COLUMN capacity BIGINT;
ALTER TABLE alerts ADD COLUMN once TEXT;
ALTER TABLE alerts ADD COLUMN gate_id BIGINT;
CREATE UNIQUE INDEX alerts_once ON alerts (event_id, once);
