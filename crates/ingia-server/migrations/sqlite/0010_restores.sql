-- The server's epoch: absent until the database is first restored from a backup, then a new
-- random value per restore (crate::backup). Gates that see it change send their records again.
CREATE TABLE server_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL,
    restored_at BIGINT NOT NULL
);
