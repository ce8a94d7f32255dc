//! List endpoints: `limit` (1..=100, default 10), `starting_after` / `ending_before` cursors,
//! the `created` filter, newest first, rendered as `{object:"list", data, has_more, url}`.

use serde_json::{Value, json};

use crate::wire::error::ApiError;
use crate::wire::form::Params;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 10;

/// Paginates `all` (every candidate, newest first, before filtering) with the request's
/// list parameters. `thing` names the resource in "No such …" errors; `keep` filters.
pub fn paginate(
    all: &[&Value],
    params: &Params,
    url: &str,
    thing: &str,
    keep: impl Fn(&Value) -> bool,
) -> Result<Value, ApiError> {
    let limit = limit(params)?;
    let created = CreatedFilter::from_params(params);
    let wanted = |v: &Value| created.matches(v) && keep(v);
    let starting_after = params.str("starting_after");
    let ending_before = params.str("ending_before");
    if starting_after.is_some() && ending_before.is_some() {
        return Err(ApiError::exclusive("ending_before", "starting_after"));
    }
    let (data, has_more) = if let Some(cursor) = starting_after {
        let pos = position(all, cursor, thing, "starting_after")?;
        take(all[pos + 1..].iter().copied(), limit, &wanted)
    } else if let Some(cursor) = ending_before {
        let pos = position(all, cursor, thing, "ending_before")?;
        let (mut page, more) = take(all[..pos].iter().rev().copied(), limit, &wanted);
        page.reverse();
        (page, more)
    } else {
        take(all.iter().copied(), limit, &wanted)
    };
    Ok(list_object(data, has_more, url))
}

/// A list object from already-selected items.
pub fn list_object(data: Vec<Value>, has_more: bool, url: &str) -> Value {
    json!({ "object": "list", "data": data, "has_more": has_more, "url": url })
}

fn limit(params: &Params) -> Result<usize, ApiError> {
    let limit = params.i64("limit").unwrap_or(DEFAULT_LIMIT);
    if limit < 1 {
        return Err(ApiError::invalid_param(
            "limit",
            "This value must be greater than or equal to 1.",
        )
        .code("parameter_invalid_integer"));
    }
    if limit > 100 {
        return Err(ApiError::invalid_param(
            "limit",
            "This value must be less than or equal to 100.",
        )
        .code("parameter_invalid_integer"));
    }
    Ok(usize::try_from(limit).unwrap_or(10))
}

fn position(all: &[&Value], cursor: &str, thing: &str, param: &str) -> Result<usize, ApiError> {
    all.iter()
        .position(|v| v.get("id").and_then(Value::as_str) == Some(cursor))
        .ok_or_else(|| {
            ApiError::invalid_param(param, format!("No such {thing}: '{cursor}'"))
                .code("resource_missing")
        })
}

fn take<'a>(
    items: impl Iterator<Item = &'a Value>,
    limit: usize,
    wanted: &impl Fn(&Value) -> bool,
) -> (Vec<Value>, bool) {
    let mut page: Vec<Value> = items
        .filter(|v| wanted(v))
        .take(limit + 1)
        .cloned()
        .collect();
    let has_more = page.len() > limit;
    page.truncate(limit);
    (page, has_more)
}

/// The `created` filter: an exact value or a `gt/gte/lt/lte` range.
#[derive(Clone, Copy, Debug, Default)]
pub struct CreatedFilter {
    gt: Option<i64>,
    gte: Option<i64>,
    lt: Option<i64>,
    lte: Option<i64>,
}

impl CreatedFilter {
    /// Reads `created` / `created[gte]`… from the parameters.
    pub fn from_params(params: &Params) -> Self {
        match params.get("created") {
            Some(Value::Number(n)) => {
                let n = n.as_i64();
                Self {
                    gte: n,
                    lte: n,
                    ..Self::default()
                }
            }
            Some(Value::Object(_)) => Self {
                gt: params.i64("created.gt"),
                gte: params.i64("created.gte"),
                lt: params.i64("created.lt"),
                lte: params.i64("created.lte"),
            },
            _ => Self::default(),
        }
    }

    /// Whether an object's `created` passes.
    pub fn matches(&self, value: &Value) -> bool {
        let Some(created) = value.get("created").and_then(Value::as_i64) else {
            return true;
        };
        self.gt.is_none_or(|x| created > x)
            && self.gte.is_none_or(|x| created >= x)
            && self.lt.is_none_or(|x| created < x)
            && self.lte.is_none_or(|x| created <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::form::{Form, Schema, parse_form};

    fn items(n: i64) -> Vec<Value> {
        (0..n)
            .rev()
            .map(|i| json!({"id": format!("x_{i}"), "created": 100 + i}))
            .collect()
    }

    fn params(q: &str) -> Params {
        Schema::list(&[])
            .validate(Form(parse_form(q.as_bytes()).expect("form")))
            .expect("valid")
    }

    fn ids(list: &Value) -> Vec<String> {
        list["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn pages_newest_first_with_cursors() {
        let all = items(5);
        let refs: Vec<&Value> = all.iter().collect();
        let first = paginate(&refs, &params("limit=2"), "/v1/x", "x", |_| true).expect("page");
        assert_eq!(ids(&first), ["x_4", "x_3"]);
        assert_eq!(first["has_more"], true);
        let second = paginate(
            &refs,
            &params("limit=2&starting_after=x_3"),
            "/v1/x",
            "x",
            |_| true,
        )
        .expect("page");
        assert_eq!(ids(&second), ["x_2", "x_1"]);
        let back = paginate(
            &refs,
            &params("limit=2&ending_before=x_1"),
            "/v1/x",
            "x",
            |_| true,
        )
        .expect("page");
        assert_eq!(ids(&back), ["x_3", "x_2"]);
        assert_eq!(back["has_more"], true);
        let created =
            paginate(&refs, &params("created[gte]=103"), "/v1/x", "x", |_| true).expect("page");
        assert_eq!(ids(&created), ["x_4", "x_3"]);
        assert!(
            paginate(&refs, &params("starting_after=nope"), "/v1/x", "x", |_| {
                true
            })
            .is_err()
        );
    }
}
