//! Stripe's form encoding read into a JSON tree: `a[b][c]=v` nests objects, `a[]=v` and
//! `a[0]=v` make arrays; every leaf stays a string (callers read booleans and numbers from it).

use serde_json::{Map, Value};

use super::EmbedError;

/// The deepest parameter name accepted, in segments (`a[b][c]` is 3). Stripe's own parameters go
/// about six deep; the cap keeps a hostile body from nesting hundreds of thousands of levels.
pub const MAX_NESTING: usize = 16;

/// Parses a form-encoded body into a JSON object.
pub fn parse(body: &[u8]) -> Result<Value, EmbedError> {
    let mut root = Map::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        let path = segments(&key).ok_or_else(|| {
            EmbedError::invalid(
                "parameter_invalid",
                format!("Invalid parameter name: {key}"),
            )
        })?;
        if path.len() > MAX_NESTING {
            return Err(EmbedError::invalid(
                "parameter_invalid",
                format!(
                    "Invalid parameter name: it nests {} levels, more than the {MAX_NESTING} allowed.",
                    path.len()
                ),
            ));
        }
        insert(&mut root, &path, Value::String(value.into_owned()), &key)?;
    }
    Ok(arrays(Value::Object(root)))
}

/// `a[b][]` → `["a", "b", ""]`; `None` when the brackets do not pair.
fn segments(key: &str) -> Option<Vec<String>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return None;
    }
    let mut out = vec![head.to_string()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        out.push(inner[..close].to_string());
        rest = &inner[close + 1..];
    }
    Some(out)
}

fn insert(
    map: &mut Map<String, Value>,
    path: &[String],
    value: Value,
    key: &str,
) -> Result<(), EmbedError> {
    let conflict = || {
        EmbedError::invalid(
            "parameter_invalid",
            format!("Invalid parameter: {key} is given twice or both as a value and a hash."),
        )
    };
    match path {
        [] => Ok(()),
        [last] => {
            if last.is_empty() {
                return Err(conflict());
            }
            map.insert(last.clone(), value);
            Ok(())
        }
        [first, next, rest @ ..] => {
            let child = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(child) = child else {
                return Err(conflict());
            };
            if next.is_empty() {
                // `a[]=x`: append under the next free index.
                let index = child.len().to_string();
                let mut path = vec![index];
                path.extend(rest.iter().cloned());
                return insert(child, &path, value, key);
            }
            let mut path = vec![next.clone()];
            path.extend(rest.iter().cloned());
            insert(child, &path, value, key)
        }
    }
}

/// Objects whose keys are all indices become arrays, in index order.
fn arrays(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let indexed = !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok());
            if indexed {
                let mut items: Vec<(usize, Value)> = map
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap_or(0), arrays(v)))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, arrays(v))).collect())
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_brackets_become_objects_and_indices_arrays() {
        let body = b"account=acct_1&components[payments][enabled]=true\
            &components[payments][features][refund_management]=false\
            &expand[]=components&expand[]=account&list[1]=b&list[0]=a&name=a+b%26c";
        assert_eq!(
            parse(body).unwrap(),
            json!({
                "account": "acct_1",
                "components": {"payments": {"enabled": "true", "features": {"refund_management": "false"}}},
                "expand": ["components", "account"],
                "list": ["a", "b"],
                "name": "a b&c",
            })
        );
    }

    #[test]
    fn broken_or_conflicting_keys_are_refused() {
        assert!(parse(b"a[b=1").is_err());
        assert!(parse(b"[a]=1").is_err());
        assert!(parse(b"a=1&a[b]=2").is_err());
        assert_eq!(parse(b"").unwrap(), json!({}));
    }

    #[test]
    fn nesting_is_capped() {
        let at_cap = format!("a{}=1", "[b]".repeat(MAX_NESTING - 1));
        assert!(parse(at_cap.as_bytes()).is_ok());
        let hostile = format!("a{}=1", "[b]".repeat(200_000));
        let error = parse(hostile.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("nests"), "{error}");
    }
}
