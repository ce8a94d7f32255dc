-- Embedding: the platform's API keys (for hosts that create AccountSessions from their own
-- backend), the AccountSessions Comptoir created, and the short-lived widget tokens a client
-- secret is exchanged for. Secrets are never stored: only their SHA-256 (hex).

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    -- The first characters of the key, to recognise it in lists (`cpk_Ab12Cd`).
    prefix TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE account_sessions (
    secret_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    -- Stripe's `components` object, as Stripe resolved it (enabled + features of each).
    components TEXT NOT NULL,
    -- Who asked: 'merchant:<merchant id>' or 'api_key:<key id>'.
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    claimed_at BIGINT
);
CREATE INDEX account_sessions_account ON account_sessions (account_id, created_at);
CREATE INDEX account_sessions_expires ON account_sessions (expires_at);

CREATE TABLE widget_tokens (
    token_hash TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL REFERENCES account_sessions (secret_hash) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX widget_tokens_session ON widget_tokens (session_hash);
CREATE INDEX widget_tokens_expires ON widget_tokens (expires_at);
