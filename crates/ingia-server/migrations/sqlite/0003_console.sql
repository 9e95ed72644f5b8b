-- Ingia schema v3 (sqlite): the organizer console. Organizations own events; accounts are members
-- with a role; sessions and one-time invites keep only the SHA-256 of their secret.
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,                 -- lower-cased
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,                -- argon2id PHC string
    failed_signins BIGINT NOT NULL DEFAULT 0,   -- wrong passwords since the last success or lock
    locked_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE memberships (
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL,                         -- owner | manager | supervisor | viewer
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, account_id)
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    csrf TEXT NOT NULL,                         -- the token every form and fetch of the session carries
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    role TEXT NOT NULL,
    created_by BIGINT,                          -- NULL: the CLI (an organization's first owner)
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by BIGINT
);
ALTER TABLE events ADD COLUMN org_id BIGINT REFERENCES organizations(id);
ALTER TABLE audit_log ADD COLUMN org_id BIGINT;
CREATE INDEX audit_org ON audit_log (org_id, at);
ALTER TABLE devices ADD COLUMN last_seen_at BIGINT;
