//! Extension points between families: functions one family calls and another fills in.

use crate::app::Tx;

/// Called right after a connected account is created (API, OAuth consent or Express OAuth).
/// The payment-method-configurations family creates the account's child configuration here.
pub fn account_created(tx: &mut Tx<'_>, account_id: &str) {
    crate::payment_method_configs::on_account_created(tx, account_id);
}

/// Called right after a platform is created (its own parent configuration, balance, …).
pub fn platform_created(tx: &mut Tx<'_>, platform_id: &str) {
    crate::payment_method_configs::on_platform_created(tx, platform_id);
}

/// Called right after an existing account is connected to a platform (Standard OAuth).
pub fn account_connected(tx: &mut Tx<'_>, platform_id: &str, account_id: &str) {
    crate::payment_method_configs::on_account_connected(tx, platform_id, account_id);
}

/// The PaymentMethod types `account` offers for a payment in `currency`: its payment method
/// configuration (see `payment_method_configs::enabled_methods`), filtered by currency.
pub fn payment_method_types(
    state: &crate::store::State,
    account: &str,
    currency: &str,
) -> Option<Vec<String>> {
    Some(crate::payment_method_configs::payment_method_types(
        state, account, currency,
    ))
}
