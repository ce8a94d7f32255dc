-- Merchants: one per merchant user, each tied to a Stripe connected account once one exists.
CREATE TABLE merchants (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users (id),
    business_name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    website TEXT,
    country TEXT NOT NULL,
    stripe_account_id TEXT UNIQUE,
    -- 'account_link' (created by Comptoir) or 'oauth' (an existing Standard account)
    connection TEXT,
    oauth_scope TEXT,
    details_submitted BIGINT NOT NULL DEFAULT 0,
    charges_enabled BIGINT NOT NULL DEFAULT 0,
    payouts_enabled BIGINT NOT NULL DEFAULT 0,
    requirements_due TEXT NOT NULL DEFAULT '[]',
    disabled_reason TEXT,
    connected_at BIGINT,
    disconnected_at BIGINT,
    status_checked_at BIGINT,
    created_at BIGINT NOT NULL
);

-- OAuth `state` values handed out and not yet used, stored hashed.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    unit_amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE INDEX products_merchant ON products (merchant_id, created_at);

-- Orders move pending -> awaiting_payment -> paid -> fulfilled, or to failed / expired, only
-- from verified webhooks.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_total BIGINT NOT NULL,
    application_fee_amount BIGINT NOT NULL,
    customer_email TEXT,
    checkout_ui TEXT NOT NULL,
    stripe_checkout_session_id TEXT UNIQUE,
    stripe_payment_intent_id TEXT,
    amount_refunded BIGINT NOT NULL DEFAULT 0,
    disputed BIGINT NOT NULL DEFAULT 0,
    failure_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    paid_at BIGINT,
    fulfilled_at BIGINT
);
CREATE INDEX orders_merchant ON orders (merchant_id, created_at);
CREATE INDEX orders_payment_intent ON orders (stripe_payment_intent_id);

CREATE TABLE order_items (
    order_id TEXT NOT NULL REFERENCES orders (id),
    position BIGINT NOT NULL,
    product_id TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_amount BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);

-- The durable webhook inbox: every verified event, once, until processed.
CREATE TABLE webhook_events (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    account_id TEXT,
    event_created BIGINT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    received_at BIGINT NOT NULL,
    processed_at BIGINT
);
CREATE INDEX webhook_events_due ON webhook_events (status, next_attempt_at);

-- Messages to send after a state change (customer notices, fulfilment), at most one per kind
-- and subject.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    recipient TEXT,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (kind, subject_id)
);
