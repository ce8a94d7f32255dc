//! All sandbox state, behind one mutex in [`crate::app::AppState`]: platforms and keys, the
//! generic per-account object store, connections, events' delivery queue, idempotency records,
//! scheduled actions, and the accounts family's private records. Serializable for the state file.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::accounts::records::{
    AccountLinkRecord, AccountMeta, AccountSessionRecord, LoginLinkRecord, OnboardingSession,
};
use crate::oauth::{OAuthCode, OAuthRequest, RefreshToken};
use crate::scheduler::ScheduledAction;
use crate::webhooks::delivery::{AttemptLog, Delivery};
use crate::wire::error::ApiError;
use crate::wire::idempotency::IdemRecord;

/// One stored API object. `owner` is the account the object lives on (what `Stripe-Account`
/// selects), `kind` its Stripe `object` name, `seq` a global insertion counter used for ordering.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stored {
    /// The object's id.
    pub id: String,
    /// Account the object belongs to.
    pub owner: String,
    /// Stripe object type, e.g. `account`, `event`, `webhook_endpoint`.
    pub kind: String,
    /// Global insertion order.
    pub seq: u64,
    /// The object as Stripe renders it.
    pub value: Value,
    /// Private data Stripe never renders (secrets, internal flags); `null` when unused.
    #[serde(default)]
    pub meta: Value,
}

/// A platform: an account whose secret key can create and act on connected accounts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Platform {
    /// The platform's own `acct_…`.
    pub account_id: String,
    /// Display name (OAuth consent page, `application.name`).
    pub name: String,
    /// `sk_test_…`.
    pub secret_key: String,
    /// `pk_test_…`.
    pub publishable_key: String,
    /// Connect client id `ca_…`.
    pub client_id: String,
    /// OAuth redirect URIs; empty means any `redirect_uri` is accepted.
    pub redirect_uris: Vec<String>,
    /// Creation time.
    pub created: i64,
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// A platform's secret key.
    Secret,
    /// A publishable key (rejected by secret-key endpoints).
    Publishable,
    /// An OAuth access token acting as a connected account.
    OAuthAccess,
}

/// OAuth scope of a connection or token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// May read and write.
    ReadWrite,
    /// May only read.
    ReadOnly,
}

impl Scope {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadWrite => "read_write",
            Self::ReadOnly => "read_only",
        }
    }

    /// Parses `read_write` / `read_only`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read_write" => Some(Self::ReadWrite),
            "read_only" => Some(Self::ReadOnly),
            _ => None,
        }
    }
}

/// An issued key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyGrant {
    /// Secret, publishable or OAuth token.
    pub kind: KeyKind,
    /// The platform the key belongs to.
    pub platform: String,
    /// The account the key acts as (the platform itself, or the connected account for OAuth).
    pub account: String,
    /// Scope (always read_write for platform keys).
    pub scope: Scope,
    /// Revoked tokens answer 401 `api_key_expired`.
    pub revoked: bool,
}

/// How an account came to be connected to a platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// Created by the platform with `POST /v1/accounts` (or Express OAuth).
    Created,
    /// An existing Standard account connected through OAuth.
    OAuth,
}

/// A platform ↔ connected account relation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Connection {
    /// Platform account id.
    pub platform: String,
    /// Created or OAuth.
    pub kind: ConnectionKind,
    /// OAuth scope (read_write for created accounts).
    pub scope: Scope,
    /// Deauthorized connections no longer grant access.
    pub revoked: bool,
    /// When the connection was made.
    pub created: i64,
}

/// The whole mutable state of a sandbox.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Global insertion counter.
    pub seq: u64,
    /// Every API object by id.
    pub objects: HashMap<String, Stored>,
    /// `"{owner}|{kind}"` → ids, oldest first.
    pub index: HashMap<String, Vec<String>>,
    /// Platforms by their account id.
    pub platforms: HashMap<String, Platform>,
    /// Issued keys and tokens.
    pub api_keys: HashMap<String, KeyGrant>,
    /// Account id → its platform connections.
    pub connections: HashMap<String, Vec<Connection>>,
    /// Platform id → connected account ids in connection order.
    pub connected: HashMap<String, Vec<String>>,
    /// Idempotency records by scoped key.
    pub idempotency: HashMap<String, IdemRecord>,
    /// Pending webhook deliveries by id.
    pub deliveries: BTreeMap<u64, Delivery>,
    /// Recent delivery attempts (newest last), for `/_sandbox/deliveries`.
    pub delivery_log: VecDeque<AttemptLog>,
    /// Scheduled actions by id.
    pub scheduled: BTreeMap<u64, ScheduledAction>,
    /// Accounts family: per-account data Stripe does not render.
    pub accounts: HashMap<String, AccountMeta>,
    /// Accounts family: account links by URL token.
    pub account_links: HashMap<String, AccountLinkRecord>,
    /// Accounts family: hosted onboarding sessions by id.
    pub onboarding: HashMap<String, OnboardingSession>,
    /// Accounts family: account sessions by client secret.
    pub account_sessions: HashMap<String, AccountSessionRecord>,
    /// Accounts family: Express dashboard login links by token.
    pub login_links: HashMap<String, LoginLinkRecord>,
    /// OAuth: pending consent screens by id.
    pub oauth_requests: HashMap<String, OAuthRequest>,
    /// OAuth: authorization codes.
    pub oauth_codes: HashMap<String, OAuthCode>,
    /// OAuth: refresh tokens.
    pub refresh_tokens: HashMap<String, RefreshToken>,
}

fn index_key(owner: &str, kind: &str) -> String {
    format!("{owner}|{kind}")
}

impl State {
    /// Next value of the global counter.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Stores a new object (its `id` field is its key) on `owner` and returns a copy.
    pub fn insert(&mut self, owner: &str, kind: &str, value: Value) -> Value {
        self.insert_with_meta(owner, kind, value, Value::Null)
    }

    /// Like [`State::insert`] with private data attached.
    pub fn insert_with_meta(
        &mut self,
        owner: &str,
        kind: &str,
        value: Value,
        meta: Value,
    ) -> Value {
        let id = value
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let seq = self.next_seq();
        self.index
            .entry(index_key(owner, kind))
            .or_default()
            .push(id.clone());
        let stored = Stored {
            id: id.clone(),
            owner: owner.to_owned(),
            kind: kind.to_owned(),
            seq,
            value,
            meta,
        };
        let copy = stored.value.clone();
        self.objects.insert(id, stored);
        copy
    }

    /// Any object by id.
    pub fn get(&self, id: &str) -> Option<&Stored> {
        self.objects.get(id)
    }

    /// An object of `kind` on `owner`, or `None` (also when it lives on another account).
    pub fn find(&self, owner: &str, kind: &str, id: &str) -> Option<&Value> {
        self.objects
            .get(id)
            .filter(|s| s.owner == owner && s.kind == kind)
            .map(|s| &s.value)
    }

    /// Like [`State::find`] but answers Stripe's 404 `No such <thing>: '<id>'`.
    pub fn require(
        &self,
        owner: &str,
        kind: &str,
        id: &str,
        thing: &str,
        param: &str,
    ) -> Result<&Value, ApiError> {
        self.find(owner, kind, id)
            .ok_or_else(|| ApiError::no_such(thing, id, param))
    }

    /// Mutable access to a stored object's JSON.
    pub fn value_mut(&mut self, id: &str) -> Option<&mut Value> {
        self.objects.get_mut(id).map(|s| &mut s.value)
    }

    /// Removes an object and its index entry.
    pub fn remove(&mut self, id: &str) -> Option<Stored> {
        let stored = self.objects.remove(id)?;
        if let Some(ids) = self.index.get_mut(&index_key(&stored.owner, &stored.kind)) {
            ids.retain(|x| x != id);
        }
        Some(stored)
    }

    /// Ids of `kind` on `owner`, oldest first.
    pub fn ids(&self, owner: &str, kind: &str) -> &[String] {
        self.index
            .get(&index_key(owner, kind))
            .map_or(&[], Vec::as_slice)
    }

    /// Objects of `kind` on `owner`, newest first (Stripe's list order).
    pub fn newest_first<'a>(&'a self, owner: &str, kind: &str) -> Vec<&'a Value> {
        self.ids(owner, kind)
            .iter()
            .rev()
            .filter_map(|id| self.objects.get(id).map(|s| &s.value))
            .collect()
    }

    /// The platform whose secret key is `key`, if any.
    pub fn platform_by_client_id(&self, client_id: &str) -> Option<&Platform> {
        self.platforms.values().find(|p| p.client_id == client_id)
    }

    /// The active (not revoked) connection between a platform and an account.
    pub fn connection(&self, platform: &str, account: &str) -> Option<&Connection> {
        self.connections
            .get(account)?
            .iter()
            .find(|c| c.platform == platform && !c.revoked)
    }

    /// Platforms currently connected to `account`.
    pub fn platforms_of(&self, account: &str) -> Vec<String> {
        self.connections
            .get(account)
            .map(|cs| {
                cs.iter()
                    .filter(|c| !c.revoked)
                    .map(|c| c.platform.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Records a new connection (or re-activates a revoked one).
    pub fn connect(
        &mut self,
        platform: &str,
        account: &str,
        kind: ConnectionKind,
        scope: Scope,
        now: i64,
    ) {
        let list = self.connections.entry(account.to_owned()).or_default();
        match list.iter_mut().find(|c| c.platform == platform) {
            Some(existing) => {
                existing.revoked = false;
                existing.scope = scope;
            }
            None => list.push(Connection {
                platform: platform.to_owned(),
                kind,
                scope,
                revoked: false,
                created: now,
            }),
        }
        let accounts = self.connected.entry(platform.to_owned()).or_default();
        if !accounts.iter().any(|a| a == account) {
            accounts.push(account.to_owned());
        }
    }

    /// Whether `account` is a platform.
    pub fn is_platform(&self, account: &str) -> bool {
        self.platforms.contains_key(account)
    }
}
