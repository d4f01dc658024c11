-- Client keys and their shared counters (docs/teams.md). Times are epoch milliseconds (UTC).
-- A key is stored by the SHA-256 of its secret (hex); the secret itself is shown once and never stored.
CREATE TABLE client_keys (
    name                TEXT    PRIMARY KEY,
    secret_sha256       TEXT    NOT NULL UNIQUE,
    max_concurrent      INTEGER NOT NULL DEFAULT 0,
    requests_per_minute INTEGER NOT NULL DEFAULT 0,
    tokens_per_minute   BIGINT  NOT NULL DEFAULT 0,
    budget_tokens       BIGINT  NOT NULL DEFAULT 0,
    budget_period       TEXT    NULL CHECK (budget_period IN ('day', 'week', 'month')),
    priority            INTEGER NOT NULL DEFAULT 1,
    models              TEXT    NOT NULL DEFAULT '',  -- globs joined by ','
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    revoked_at          BIGINT  NULL
);

-- Requests and tokens per key and UTC minute (epoch minute); rows older than two minutes are deleted.
CREATE TABLE key_minute_counters (
    key_name TEXT   NOT NULL,
    minute   BIGINT NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0,
    tokens   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key_name, minute)
);

-- Tokens spent per key and budget period (the period's start).
CREATE TABLE key_budget_counters (
    key_name     TEXT   NOT NULL,
    period_start BIGINT NOT NULL,
    tokens       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key_name, period_start)
);

-- The same table as on PostgreSQL; on SQLite a replica takes a lease inside BEGIN IMMEDIATE (the file's write lock)
-- instead of locking a row.
CREATE TABLE key_concurrency (
    key_name TEXT PRIMARY KEY
);

-- A request in flight under a key with max-concurrent: held by one replica, whose refresher pushes expires_at forward
-- while it runs; a crashed replica's leases expire by themselves.
CREATE TABLE key_leases (
    id         TEXT   PRIMARY KEY,
    key_name   TEXT   NOT NULL,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX key_leases_by_key ON key_leases (key_name, expires_at);
CREATE INDEX key_leases_by_holder ON key_leases (holder);
