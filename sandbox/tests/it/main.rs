//! Integration tests: each test starts its own sandbox on 127.0.0.1:0.

mod account_links;
mod account_sessions;
mod accounts;
mod async_stripe_client;
mod catalog;
mod checkout_pages;
mod checkout_sessions;
mod coverage;
mod declines;
mod direct_charges;
mod disputes;
mod events;
mod faults;
mod helpers;
mod idempotency;
mod isolation;
mod lists;
mod oauth;
mod pay;
mod payment_method_configurations;
mod persistence;
mod refunds_captures;
mod sdk;
mod sepa_payouts;
mod webhooks;
mod wire;
