-- Ingia schema v3 (postgres): the organizer console. Organizations own events; accounts are members
-- with a role; sessions and one-time invites keep only the SHA-256 of their secret.
CREATE TABLE organizations (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
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
-- What the device last reported: its records not yet synced, its app build.
ALTER TABLE devices ADD COLUMN pending BIGINT;
ALTER TABLE devices ADD COLUMN app_build TEXT;
-- A device moved to another gate: the gate it left and when (its records made there before the
-- move are still its own).
ALTER TABLE devices ADD COLUMN moved_from BIGINT;
ALTER TABLE devices ADD COLUMN moved_at BIGINT;
-- Attendees from ticket shops: the shop's own ticket id (pushes are idempotent on it), and the
-- ticket a reissue replaced this one with.
ALTER TABLE tickets ADD COLUMN external_id TEXT;
ALTER TABLE tickets ADD COLUMN replaced_by BIGINT;
CREATE UNIQUE INDEX tickets_external ON tickets (event_id, external_id);
-- A CSV upload between its upload and its import (the column-mapping step); deleted after.
CREATE TABLE uploads (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id),
    account_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
-- Ticket mail: one row per ticket issued (never two), its state and tries; the wallet link's
-- secret sealed under the master key until it is sent, then deleted.
CREATE TABLE deliveries (
    event_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    email TEXT NOT NULL,
    state TEXT NOT NULL,                        -- queued | sending | sent | failed
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    claimed_at BIGINT,                          -- when a sender took it (state sending)
    last_error TEXT,
    sealed_link BYTEA,
    sent_at BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, ticket_id)
);
CREATE INDEX deliveries_due ON deliveries (state, next_at);
-- Per-organization API keys (a ticket shop pushing sales): scoped, revocable, hashed.
CREATE TABLE api_keys (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    scope TEXT NOT NULL,                        -- attendees:write | attendees:read
    key_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
