//! Platforms: accounts whose secret key creates and acts on connected accounts. Created on
//! demand (`/_sandbox/platforms`, `SandboxHandle::create_platform`, or the first use of an
//! unknown `sk_test_` key).

use crate::accounts::model;
use crate::app::Tx;
use crate::ids;
use crate::store::{KeyGrant, KeyKind, Platform, Scope};

/// Creates a platform (its own fully enabled Standard account, keys and client id).
pub fn create(tx: &mut Tx<'_>, name: &str, secret_key: Option<String>) -> Platform {
    let account_id = ids::account_id();
    let now = tx.now();
    let platform = Platform {
        account_id: account_id.clone(),
        name: name.to_owned(),
        secret_key: secret_key.unwrap_or_else(ids::secret_key),
        publishable_key: ids::publishable_key(),
        client_id: ids::client_id(),
        redirect_uris: Vec::new(),
        created: now,
    };
    model::create_platform_account(tx, &account_id, name);
    let grant = |kind| KeyGrant {
        kind,
        platform: account_id.clone(),
        account: account_id.clone(),
        scope: Scope::ReadWrite,
        revoked: false,
    };
    tx.api_keys
        .insert(platform.secret_key.clone(), grant(KeyKind::Secret));
    tx.api_keys.insert(
        platform.publishable_key.clone(),
        grant(KeyKind::Publishable),
    );
    tx.platforms.insert(account_id.clone(), platform.clone());
    crate::hooks::platform_created(tx, &account_id);
    platform
}
