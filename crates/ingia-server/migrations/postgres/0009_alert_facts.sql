-- An alert's facts (`inside=4;capacity=5`, ingia_core::watch::alert_facts), so the console and
-- the alert mail say it in their language; `detail` keeps the English sentence (older rows
-- have only that).
ALTER TABLE alerts ADD COLUMN facts TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_mails ADD COLUMN facts TEXT NOT NULL DEFAULT '';
