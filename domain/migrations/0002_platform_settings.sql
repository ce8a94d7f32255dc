-- The platform's settings: one row. Secret columns hold ciphertext (see domain::crypto).
CREATE TABLE platform_settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    secret_key TEXT,
    publishable_key TEXT,
    webhook_secrets TEXT NOT NULL DEFAULT '[]',
    connect_client_id TEXT,
    fee_policy TEXT NOT NULL,
    allowed_embed_origins TEXT NOT NULL DEFAULT '[]',
    oauth_scope TEXT NOT NULL DEFAULT 'read_only',
    sync_mode TEXT NOT NULL DEFAULT 'one_off',
    api_base TEXT NOT NULL,
    connect_base TEXT NOT NULL,
    stripe_js_url TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
