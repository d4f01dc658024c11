-- The usage ledger: one row per /v1/messages request (UsageLedger writes it in batches, UsageQuery reads it).
-- Stands alone: no reference to the keys of V1, so a row outlives its key and the ledger never blocks on it.
CREATE TABLE usage_ledger (
    request_id     TEXT             NOT NULL UNIQUE, -- the gateway's req_… id; a retried batch adds nothing twice
    started_at     BIGINT           NOT NULL,        -- epoch milliseconds (UTC) when the request arrived
    key_name       TEXT             NOT NULL,        -- the client key's name, '-' on a gateway without keys
    session_id     TEXT,                             -- Claude Code's x-claude-code-session-id
    client_model   TEXT,
    upstream_model TEXT,
    upstream       TEXT,                             -- the upstream that answered last
    status         INTEGER          NOT NULL,
    input_tokens   BIGINT           NOT NULL,        -- uncached prompt tokens (Anthropic's input_tokens)
    cached_tokens  BIGINT           NOT NULL,
    output_tokens  BIGINT           NOT NULL,
    ttft_ms        DOUBLE PRECISION,                 -- null: no token was sent
    duration_ms    DOUBLE PRECISION NOT NULL,
    stop_reason    TEXT
);
CREATE INDEX usage_ledger_started_at ON usage_ledger (started_at);
CREATE INDEX usage_ledger_key_started_at ON usage_ledger (key_name, started_at);
CREATE INDEX usage_ledger_session_started_at ON usage_ledger (session_id, started_at);
