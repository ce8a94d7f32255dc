-- The commerce mirror: Stripe objects of every connected account (and the platform's application
-- fees) as last seen, one row per Stripe id. `version` orders observations: a write whose version
-- is not above the stored one changes nothing (see domain::mirror). `data` holds the object's JSON
-- as Stripe sent it (expanded fields collapsed to ids); the other columns are what queries need.

CREATE TABLE mirror_payment_intents (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    customer_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX mirror_payment_intents_account ON mirror_payment_intents (account_id, created, id);

CREATE TABLE mirror_charges (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    payment_intent_id TEXT,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    amount_captured BIGINT NOT NULL,
    amount_refunded BIGINT NOT NULL,
    currency TEXT NOT NULL,
    captured BIGINT NOT NULL,
    disputed BIGINT NOT NULL,
    customer_id TEXT,
    email TEXT,
    payment_method_type TEXT,
    data TEXT NOT NULL
);
CREATE INDEX mirror_charges_account ON mirror_charges (account_id, created, id);
CREATE INDEX mirror_charges_payment_intent ON mirror_charges (payment_intent_id);
CREATE INDEX mirror_charges_revenue ON mirror_charges (currency, created);

CREATE TABLE mirror_refunds (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    charge_id TEXT,
    payment_intent_id TEXT,
    status TEXT,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX mirror_refunds_account ON mirror_refunds (account_id, created, id);
CREATE INDEX mirror_refunds_charge ON mirror_refunds (charge_id);

CREATE TABLE mirror_disputes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    charge_id TEXT,
    payment_intent_id TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX mirror_disputes_account ON mirror_disputes (account_id, created, id);
CREATE INDEX mirror_disputes_charge ON mirror_disputes (charge_id);

CREATE TABLE mirror_payouts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    arrival_date BIGINT,
    data TEXT NOT NULL
);
CREATE INDEX mirror_payouts_account ON mirror_payouts (account_id, created, id);

CREATE TABLE mirror_balance_transactions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    fee BIGINT NOT NULL,
    net BIGINT NOT NULL,
    currency TEXT NOT NULL,
    available_on BIGINT,
    source_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX mirror_balance_transactions_account ON mirror_balance_transactions (account_id, created, id);
CREATE INDEX mirror_balance_transactions_source ON mirror_balance_transactions (source_id);

CREATE TABLE mirror_customers (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    email TEXT,
    name TEXT,
    deleted BIGINT NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
CREATE INDEX mirror_customers_account ON mirror_customers (account_id, created, id);
CREATE INDEX mirror_customers_email ON mirror_customers (email);

-- Application fees live on the platform; `account_id` is the connected account that paid them.
CREATE TABLE mirror_application_fees (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    charge_id TEXT,
    amount BIGINT NOT NULL,
    amount_refunded BIGINT NOT NULL,
    currency TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX mirror_application_fees_account ON mirror_application_fees (account_id, created, id);
CREATE INDEX mirror_application_fees_revenue ON mirror_application_fees (currency, created);
CREATE INDEX mirror_application_fees_charge ON mirror_application_fees (charge_id);

CREATE TABLE mirror_checkout_sessions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    payment_intent_id TEXT,
    status TEXT,
    email TEXT,
    data TEXT NOT NULL
);
CREATE INDEX mirror_checkout_sessions_account ON mirror_checkout_sessions (account_id, created, id);
CREATE INDEX mirror_checkout_sessions_payment_intent ON mirror_checkout_sessions (payment_intent_id);

-- One `balance` object per account.
CREATE TABLE mirror_balances (
    account_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    data TEXT NOT NULL
);

-- Payments as people see them: one row per payment intent (or per charge made without one),
-- derived from the rows above whenever one of them changes. Lists, search and filters read it.
CREATE TABLE mirror_payments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    created BIGINT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    amount_refunded BIGINT NOT NULL,
    currency TEXT NOT NULL,
    customer_email TEXT,
    customer_id TEXT,
    payment_method_type TEXT,
    charge_id TEXT,
    description TEXT,
    application_fee_amount BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX mirror_payments_created ON mirror_payments (created, id);
CREATE INDEX mirror_payments_account ON mirror_payments (account_id, created, id);
CREATE INDEX mirror_payments_status ON mirror_payments (status, created, id);
CREATE INDEX mirror_payments_account_status ON mirror_payments (account_id, status, created, id);
CREATE INDEX mirror_payments_email ON mirror_payments (customer_email, created, id);
CREATE INDEX mirror_payments_customer ON mirror_payments (customer_id);

-- Sync bookkeeping, one row per connected account plus one ('platform') for application fees.
CREATE TABLE sync_accounts (
    account_id TEXT PRIMARY KEY,
    -- 'pending', 'running', 'done' or 'failed'
    backfill_status TEXT NOT NULL,
    connected_at BIGINT,
    backfill_requested_at BIGINT,
    backfill_started_at BIGINT,
    backfill_finished_at BIGINT,
    steps_done BIGINT NOT NULL DEFAULT 0,
    steps_total BIGINT NOT NULL DEFAULT 0,
    objects_synced BIGINT NOT NULL DEFAULT 0,
    -- Stripe's time of the newest event seen; reconciliation lists events from there.
    events_cursor BIGINT,
    reconciled_at BIGINT,
    repaired_last BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    lock_owner TEXT,
    updated_at BIGINT NOT NULL
);

-- Where a backfill is in each list: saved with each page, so a crash resumes at the next page.
CREATE TABLE sync_cursors (
    account_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    -- 'pages' (walking back through history), 'catch_up' (what appeared meanwhile) or 'done'
    phase TEXT NOT NULL,
    starting_after TEXT,
    newest_id TEXT,
    objects BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, resource)
);
