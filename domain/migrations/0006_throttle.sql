-- Throttling of guesses (passwords, client secrets, API keys, sign-ups): one counter per scope
-- ('log_in_email', 'log_in_address', …) and key. The key is stored as its SHA-256 (hex), so the
-- table holds no email or address. Kept in the database so every instance on it counts together.
CREATE TABLE throttle_counters (
    scope TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    -- When the current counting window began; failures older than the window are forgotten.
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    -- While in the future, every attempt is refused before anything is checked.
    locked_until BIGINT,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX throttle_counters_window_start ON throttle_counters (window_start);
