-- Ingia schema v1 (PostgreSQL). Integers are 64-bit; booleans are 0/1; times are Unix ms unless named *_secs.
CREATE TABLE events (
    id BIGINT PRIMARY KEY,              -- ingia_core EventId (u64) stored bit-for-bit as i64
    name TEXT NOT NULL,
    venue TEXT NOT NULL,
    starts_secs BIGINT NOT NULL,
    ends_secs BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    code_step_secs BIGINT NOT NULL,
    pin_digits BIGINT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 0, -- manifest revision cursor
    last_seq BIGINT NOT NULL DEFAULT 0, -- accepted movements so far (first-wins order)
    organizer_token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE event_keys (
    event_id BIGINT NOT NULL REFERENCES events(id),
    key_id BIGINT NOT NULL,
    public_key BYTEA NOT NULL,
    sealed_secret BYTEA NOT NULL,        -- XChaCha20-Poly1305 under the master key
    active BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (event_id, key_id)
);
CREATE TABLE gates (
    event_id BIGINT NOT NULL REFERENCES events(id),
    gate_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (event_id, gate_id),
    UNIQUE (event_id, name)
);
CREATE TABLE ticket_types (
    event_id BIGINT NOT NULL REFERENCES events(id),
    type_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    code_required BIGINT NOT NULL,
    reentry BIGINT NOT NULL,
    gates BIGINT NOT NULL,              -- GateSet bit mask, 0 = all
    valid_from_secs BIGINT NOT NULL,
    valid_until_secs BIGINT NOT NULL,
    PRIMARY KEY (event_id, type_id),
    UNIQUE (event_id, name)
);
CREATE TABLE tickets (
    event_id BIGINT NOT NULL REFERENCES events(id),
    ticket_id BIGINT NOT NULL,
    holder TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    type_id BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    issued BIGINT NOT NULL DEFAULT 0,
    code_secret BYTEA,
    pin BIGINT,
    credential TEXT,                    -- the static token text (what a printed ticket carries)
    wallet_token_hash TEXT UNIQUE,
    revision BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, ticket_id),
    UNIQUE (event_id, pin)
);
CREATE INDEX tickets_revision ON tickets (event_id, revision);
CREATE TABLE presence (
    event_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    first_at BIGINT, first_gate BIGINT, first_device BIGINT,
    inside_at BIGINT, inside_gate BIGINT, inside_device BIGINT,
    PRIMARY KEY (event_id, ticket_id)
);
CREATE TABLE devices (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id),
    gate_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    pairing_hash TEXT UNIQUE,
    pairing_expires BIGINT,
    token_hash TEXT UNIQUE,
    paired_at BIGINT,
    revoked_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE TABLE checkins (
    event_id BIGINT NOT NULL,
    device_id BIGINT NOT NULL,
    scan_id BIGINT NOT NULL,
    ticket_id BIGINT,
    gate_id BIGINT NOT NULL,
    staff TEXT NOT NULL,
    at BIGINT NOT NULL,
    movement TEXT NOT NULL,
    result TEXT NOT NULL,               -- 'admitted' or a refusal slug
    outcome TEXT NOT NULL,              -- accepted | conflict | recorded | unknown | revoked
    seq BIGINT,
    winner_at BIGINT, winner_gate BIGINT, winner_device BIGINT,
    revoked_status TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, scan_id)
);
CREATE INDEX checkins_seq ON checkins (event_id, seq);
CREATE INDEX checkins_at ON checkins (event_id, at);
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_event ON audit_log (event_id, at);
