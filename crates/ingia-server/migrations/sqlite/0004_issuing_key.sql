-- Ingia schema v4: the events' signing keys move from the master key to their own issuing key,
-- so a server that serves gates need not be able to mint tickets. Rows sealed before this
-- version say 'master'; the first server that holds both keys reseals them.
ALTER TABLE event_keys ADD COLUMN sealed_by TEXT NOT NULL DEFAULT 'master';
