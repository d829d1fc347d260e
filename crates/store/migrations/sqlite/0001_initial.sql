-- The store's tables for SQLite. Times are Unix milliseconds; headers and outcomes are JSON text.

CREATE TABLE deliveries (
    -- Insertion order: breaks ties between equal times so claims and listings are stable.
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    event_id        TEXT,
    subject         TEXT,
    headers         TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_error      TEXT,
    outcome         TEXT,
    received_at     INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- The processed-event record: one delivery per (kind, event id), whatever its status.
CREATE UNIQUE INDEX deliveries_event ON deliveries (kind, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX deliveries_lease ON deliveries (lease_until) WHERE status = 'in_flight';
CREATE INDEX deliveries_status_received ON deliveries (status, received_at);
CREATE INDEX deliveries_received ON deliveries (received_at);
CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE status = 'done';

CREATE TABLE locks (
    key        TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE links (
    reference TEXT    PRIMARY KEY,
    ticket_id INTEGER NOT NULL
);

CREATE TABLE forwarded_actions (
    ticket_id INTEGER NOT NULL,
    action_id INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, action_id)
);

CREATE TABLE ticket_state (
    ticket_id       INTEGER PRIMARY KEY,
    reported_closed BOOLEAN NOT NULL
);
