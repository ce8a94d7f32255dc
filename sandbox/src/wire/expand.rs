//! `expand[]`: replaces an expandable id field by the object it names, on nested paths
//! (`a.b`) and on lists (`data.x`), up to four levels. Fields are declared in [`EXPANDABLE`].

use serde_json::Value;

use crate::store::State;
use crate::wire::auth::Caller;
use crate::wire::error::ApiError;

/// How an expandable field is resolved.
#[derive(Clone, Copy, Debug)]
pub enum Expander {
    /// The field holds an id of a stored object.
    Id,
    /// Computed from the parent object (Stripe's "includable" fields such as `line_items`).
    Custom(fn(&State, &Caller, &Value) -> Option<Value>),
}

/// One expandable field: `field` of objects whose `object` is `object`.
#[derive(Clone, Copy, Debug)]
pub struct Expandable {
    /// The parent's `object` value, e.g. `payment_intent`.
    pub object: &'static str,
    /// The field name, e.g. `latest_charge`.
    pub field: &'static str,
    /// How to resolve it.
    pub expander: Expander,
}

/// Every expandable field the sandbox knows. Resource families append their own entries.
pub const EXPANDABLE: &[Expandable] = &[
    Expandable {
        object: "application_fee",
        field: "account",
        expander: Expander::Id,
    },
    Expandable {
        object: "login_link",
        field: "account",
        expander: Expander::Id,
    },
    Expandable {
        object: "payment_intent",
        field: "latest_charge",
        expander: Expander::Id,
    },
    Expandable {
        object: "payment_intent",
        field: "customer",
        expander: Expander::Id,
    },
    Expandable {
        object: "payment_intent",
        field: "payment_method",
        expander: Expander::Id,
    },
    Expandable {
        object: "payment_intent",
        field: "on_behalf_of",
        expander: Expander::Id,
    },
    Expandable {
        object: "charge",
        field: "balance_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "charge",
        field: "customer",
        expander: Expander::Id,
    },
    Expandable {
        object: "charge",
        field: "payment_intent",
        expander: Expander::Id,
    },
    Expandable {
        object: "charge",
        field: "application_fee",
        expander: Expander::Id,
    },
    Expandable {
        object: "charge",
        field: "on_behalf_of",
        expander: Expander::Id,
    },
    Expandable {
        object: "charge",
        field: "source_transfer",
        expander: Expander::Id,
    },
    Expandable {
        object: "charge",
        field: "transfer",
        expander: Expander::Id,
    },
    Expandable {
        object: "charge",
        field: "failure_balance_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "refund",
        field: "charge",
        expander: Expander::Id,
    },
    Expandable {
        object: "refund",
        field: "payment_intent",
        expander: Expander::Id,
    },
    Expandable {
        object: "refund",
        field: "balance_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "dispute",
        field: "charge",
        expander: Expander::Id,
    },
    Expandable {
        object: "dispute",
        field: "payment_intent",
        expander: Expander::Id,
    },
    Expandable {
        object: "application_fee",
        field: "charge",
        expander: Expander::Id,
    },
    Expandable {
        object: "application_fee",
        field: "balance_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "application_fee",
        field: "originating_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "fee_refund",
        field: "fee",
        expander: Expander::Id,
    },
    Expandable {
        object: "fee_refund",
        field: "balance_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "balance_transaction",
        field: "source",
        expander: Expander::Id,
    },
    Expandable {
        object: "payout",
        field: "balance_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "payout",
        field: "failure_balance_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "transfer",
        field: "balance_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "transfer",
        field: "destination",
        expander: Expander::Id,
    },
    Expandable {
        object: "transfer",
        field: "destination_payment",
        expander: Expander::Id,
    },
    Expandable {
        object: "transfer",
        field: "source_transaction",
        expander: Expander::Id,
    },
    Expandable {
        object: "checkout.session",
        field: "payment_intent",
        expander: Expander::Id,
    },
    Expandable {
        object: "checkout.session",
        field: "customer",
        expander: Expander::Id,
    },
    Expandable {
        object: "price",
        field: "product",
        expander: Expander::Id,
    },
    Expandable {
        object: "product",
        field: "default_price",
        expander: Expander::Id,
    },
    Expandable {
        object: "payment_method",
        field: "customer",
        expander: Expander::Id,
    },
    Expandable {
        object: "checkout.session",
        field: "line_items",
        expander: Expander::Custom(crate::checkout::sessions::expand_line_items),
    },
];

const MAX_DEPTH: usize = 4;

/// Applies the `expand` paths to `value` using the global registry.
pub fn expand(
    state: &State,
    caller: &Caller,
    value: &mut Value,
    paths: &[String],
) -> Result<(), ApiError> {
    expand_with(EXPANDABLE, state, caller, value, paths)
}

/// Same with an explicit registry (tests, or families with private fields).
pub fn expand_with(
    registry: &[Expandable],
    state: &State,
    caller: &Caller,
    value: &mut Value,
    paths: &[String],
) -> Result<(), ApiError> {
    for path in paths {
        let segments: Vec<&str> = path.split('.').collect();
        let levels = segments.iter().filter(|s| **s != "data").count();
        if levels > MAX_DEPTH {
            return Err(ApiError::invalid_param(
                "expand",
                format!(
                    "You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}"
                ),
            ));
        }
        expand_path(registry, state, caller, value, &segments, path)?;
    }
    Ok(())
}

fn expand_path(
    registry: &[Expandable],
    state: &State,
    caller: &Caller,
    value: &mut Value,
    segments: &[&str],
    full: &str,
) -> Result<(), ApiError> {
    let Some((first, rest)) = segments.split_first() else {
        return Ok(());
    };
    if value.get("object").and_then(Value::as_str) == Some("list") && *first == "data" {
        if let Some(items) = value.get_mut("data").and_then(Value::as_array_mut) {
            for item in items {
                expand_path(registry, state, caller, item, rest, full)?;
            }
        }
        return Ok(());
    }
    let object = value
        .get("object")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let entry = registry
        .iter()
        .find(|e| e.object == object && e.field == *first);
    match entry {
        Some(entry) => {
            resolve(entry, state, caller, value);
        }
        None if rest.is_empty() || !value.get(*first).is_some_and(Value::is_object) => {
            return Err(ApiError::invalid_param(
                "expand",
                format!("This property cannot be expanded ({full})."),
            ));
        }
        None => {}
    }
    if rest.is_empty() {
        return Ok(());
    }
    match value.get_mut(*first) {
        Some(child) if child.is_object() => expand_path(registry, state, caller, child, rest, full),
        _ => Ok(()),
    }
}

fn resolve(entry: &Expandable, state: &State, caller: &Caller, parent: &mut Value) {
    let resolved = match entry.expander {
        Expander::Id => parent
            .get(entry.field)
            .and_then(Value::as_str)
            .and_then(|id| state.get(id))
            .filter(|stored| visible(state, caller, &stored.owner))
            .map(|stored| stored.value.clone()),
        Expander::Custom(f) => f(state, caller, parent),
    };
    if let (Some(resolved), Some(obj)) = (resolved, parent.as_object_mut()) {
        obj.insert(entry.field.to_owned(), resolved);
    }
}

/// Whether objects living on `owner` are visible to the caller: its own, or (for a platform
/// acting as itself) those of its connected accounts.
pub fn visible(state: &State, caller: &Caller, owner: &str) -> bool {
    owner == caller.acting_as
        || (caller.is_platform() && state.connection(&caller.platform, owner).is_some())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::Scope;

    const REGISTRY: &[Expandable] = &[Expandable {
        object: "thing",
        field: "other",
        expander: Expander::Id,
    }];

    fn caller() -> Caller {
        Caller {
            platform: "acct_p".into(),
            acting_as: "acct_p".into(),
            key: "sk_test_x".into(),
            via_oauth: false,
            scope: Scope::ReadWrite,
        }
    }

    #[test]
    fn expands_ids_on_objects_and_lists() {
        let mut state = State::default();
        state.insert("acct_p", "other", json!({"id": "o_1", "object": "other"}));
        let mut v = json!({"object": "thing", "other": "o_1"});
        expand_with(REGISTRY, &state, &caller(), &mut v, &["other".into()]).expect("expands");
        assert_eq!(v["other"]["object"], "other");
        let mut list = json!({"object": "list", "data": [{"object": "thing", "other": "o_1"}]});
        expand_with(
            REGISTRY,
            &state,
            &caller(),
            &mut list,
            &["data.other".into()],
        )
        .expect("expands");
        assert_eq!(list["data"][0]["other"]["id"], "o_1");
        let err = expand_with(REGISTRY, &state, &caller(), &mut v, &["nope".into()])
            .expect_err("not expandable");
        assert_eq!(err.message, "This property cannot be expanded (nope).");
    }
}
