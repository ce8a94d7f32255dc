//! Stripe's `application/x-www-form-urlencoded` encoding: `a[b][c]=`, `a[0][b]=`, `a[]=` into a
//! JSON tree, plus the declarative parameter schemas every endpoint validates against.
//!
//! Parsing keeps every leaf a string and every bracket container an object (indexed arrays are
//! objects keyed `"0"`, `"1"`…). [`Schema::validate`] then checks the tree against the endpoint's
//! declared parameters, reports unknown ones (`parameter_unknown`), converts integers, booleans
//! and arrays to their JSON types, and returns [`Params`] with typed accessors. An empty string
//! means "unset" and is kept as `""` so updates can clear fields.

use axum::extract::{FromRequest, Request};
use axum::http::Method;
use serde_json::{Map, Value};

use crate::wire::error::ApiError;

/// The raw parameter tree of a request: query string merged with the form body.
#[derive(Clone, Debug, Default)]
pub struct Form(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let query = req.uri().query().unwrap_or("").to_owned();
        let method = req.method().clone();
        let mut tree = parse_form(query.as_bytes())?;
        if method != Method::GET {
            let body = axum::body::Bytes::from_request(req, state)
                .await
                .map_err(|_| ApiError::invalid("Could not read the request body.").not_stored())?;
            merge_pairs(&mut tree, &body)?;
        }
        Ok(Form(tree))
    }
}

/// Parses an urlencoded string into a parameter tree.
pub fn parse_form(input: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let mut root = Map::new();
    merge_pairs(&mut root, input)?;
    Ok(root)
}

fn merge_pairs(root: &mut Map<String, Value>, input: &[u8]) -> Result<(), ApiError> {
    for (key, value) in url::form_urlencoded::parse(input) {
        if key.is_empty() {
            continue;
        }
        insert_pair(root, &key, value.into_owned())?;
    }
    Ok(())
}

/// Splits `a[b][0][]` into `["a", "b", "0", ""]`.
fn key_segments(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_owned()];
    };
    if !key.ends_with(']') || open == 0 {
        return vec![key.to_owned()];
    }
    let mut segments = vec![key[..open].to_owned()];
    let inner = &key[open + 1..key.len() - 1];
    segments.extend(inner.split("][").map(str::to_owned));
    segments
}

/// The deepest parameter name accepted, in segments (`a[b][c]` is 3). Stripe's own parameters
/// go about six deep; the cap keeps a hostile body from building a tree too deep to walk.
pub const MAX_NESTING: usize = 16;

fn insert_pair(root: &mut Map<String, Value>, key: &str, value: String) -> Result<(), ApiError> {
    let segments = key_segments(key);
    if segments.len() > MAX_NESTING {
        return Err(ApiError::invalid_param(
            &segments[0],
            format!(
                "Invalid parameter: {} nests {} levels, more than the {MAX_NESTING} allowed.",
                segments[0],
                segments.len()
            ),
        ));
    }
    let mut node = root;
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        let name = if segment.is_empty() {
            node.len().to_string()
        } else {
            segment.clone()
        };
        if i == last {
            if matches!(node.get(&name), Some(Value::Object(_))) {
                return Err(invalid_hash(&segments, i));
            }
            node.insert(name, Value::String(value));
            return Ok(());
        }
        let child = node
            .entry(name)
            .or_insert_with(|| Value::Object(Map::new()));
        // `a=&a[b]=x`: an empty scalar is replaced by the hash.
        if matches!(child, Value::String(s) if s.is_empty()) {
            *child = Value::Object(Map::new());
        }
        match child {
            Value::Object(map) => node = map,
            _ => return Err(invalid_hash(&segments, i)),
        }
    }
    Ok(())
}

fn invalid_hash(segments: &[String], upto: usize) -> ApiError {
    let param = bracket_path(&segments[..=upto]);
    ApiError::invalid_param(
        &param,
        format!("Invalid hash: {param} was given both a value and nested parameters."),
    )
}

/// `["a","b","c"]` → `a[b][c]`, Stripe's way of naming nested parameters.
pub fn bracket_path(segments: &[String]) -> String {
    let mut out = segments.first().cloned().unwrap_or_default();
    for s in segments.iter().skip(1) {
        out.push('[');
        out.push_str(s);
        out.push(']');
    }
    out
}

fn join_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}[{name}]")
    }
}

/// The type of one declared parameter.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// A string.
    Str,
    /// An integer within optional bounds.
    Int {
        /// Inclusive lower bound.
        min: Option<i64>,
        /// Inclusive upper bound.
        max: Option<i64>,
    },
    /// `true` / `false`.
    Bool,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    /// A hash with the listed keys.
    Obj(&'static [Field]),
    /// A free-form hash of strings (`metadata`): at most 50 keys, keys ≤ 40 chars, values ≤ 500.
    Map,
    /// An array whose elements have this type (`a[0]=`, `a[]=`).
    List(&'static Ty),
    /// Either a string or a hash with the listed keys (e.g. `external_account`).
    StrOrObj(&'static [Field]),
    /// Either an integer or a range hash `{gt,gte,lt,lte}` (the `created` filter).
    IntOrRange,
    /// Anything; the handler checks it.
    Any,
}

/// Shorthand for a plain integer.
pub const INT: Ty = Ty::Int {
    min: None,
    max: None,
};

/// One declared parameter.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Parameter name.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// Whether it must be present (and not empty).
    pub required: bool,
}

/// An optional parameter.
pub const fn opt(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

/// A required parameter.
pub const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
    }
}

const RANGE_FIELDS: &[Field] = &[
    opt("gt", INT),
    opt("gte", INT),
    opt("lt", INT),
    opt("lte", INT),
];

/// The pagination parameters every list endpoint accepts.
pub const LIST_FIELDS: &[Field] = &[
    opt("limit", INT),
    opt("starting_after", Ty::Str),
    opt("ending_before", Ty::Str),
    opt("created", Ty::IntOrRange),
];

/// The declared parameters of one endpoint. `expand` is always accepted.
#[derive(Clone, Copy, Debug)]
pub struct Schema {
    /// Endpoint-specific parameters.
    pub fields: &'static [Field],
    /// Whether the list parameters ([`LIST_FIELDS`]) are accepted too.
    pub list: bool,
}

impl Schema {
    /// A schema for a create/update/retrieve endpoint.
    pub const fn new(fields: &'static [Field]) -> Self {
        Self {
            fields,
            list: false,
        }
    }

    /// A schema for a list endpoint: `fields` plus limit/cursors/created.
    pub const fn list(fields: &'static [Field]) -> Self {
        Self { fields, list: true }
    }

    fn find(&self, name: &str) -> Option<&'static Field> {
        let extra: &'static [Field] = if self.list { LIST_FIELDS } else { &[] };
        self.fields
            .iter()
            .chain(extra.iter())
            .find(|f| f.name == name)
    }

    /// Validates a request's parameter tree against this schema.
    pub fn validate(&self, form: Form) -> Result<Params, ApiError> {
        let mut tree = form.0;
        let mut unknown = Vec::new();
        for key in tree.keys() {
            if key == "expand" {
                continue;
            }
            match self.find(key) {
                Some(field) => collect_unknown(&tree[key], &field.ty, key, &mut unknown),
                None => unknown.push(key.clone()),
            }
        }
        if !unknown.is_empty() {
            return Err(ApiError::unknown_params(&unknown));
        }
        let mut out = Map::new();
        if let Some(expand) = tree.remove("expand") {
            out.insert(
                "expand".into(),
                convert(expand, &Ty::List(&Ty::Str), "expand")?,
            );
        }
        let all: Vec<&'static Field> = self
            .fields
            .iter()
            .chain(if self.list {
                LIST_FIELDS.iter()
            } else {
                [].iter()
            })
            .collect();
        for field in all {
            match tree.remove(field.name) {
                Some(value) => {
                    if field.required && is_empty(&value) {
                        return Err(ApiError::missing_param(field.name));
                    }
                    out.insert(field.name.into(), convert(value, &field.ty, field.name)?);
                }
                None if field.required => return Err(ApiError::missing_param(field.name)),
                None => {}
            }
        }
        Ok(Params(out))
    }
}

fn is_empty(value: &Value) -> bool {
    matches!(value, Value::String(s) if s.is_empty())
}

fn collect_unknown(value: &Value, ty: &Ty, path: &str, unknown: &mut Vec<String>) {
    let Value::Object(map) = value else { return };
    match ty {
        Ty::Obj(fields) | Ty::StrOrObj(fields) => {
            for (key, child) in map {
                match fields.iter().find(|f| f.name == key) {
                    Some(field) => {
                        collect_unknown(child, &field.ty, &join_path(path, key), unknown)
                    }
                    None => unknown.push(join_path(path, key)),
                }
            }
        }
        Ty::IntOrRange => {
            for key in map.keys() {
                if !RANGE_FIELDS.iter().any(|f| f.name == key) {
                    unknown.push(join_path(path, key));
                }
            }
        }
        Ty::List(inner) => {
            for (key, child) in map {
                collect_unknown(child, inner, &join_path(path, key), unknown);
            }
        }
        _ => {}
    }
}

fn convert(value: Value, ty: &Ty, path: &str) -> Result<Value, ApiError> {
    if is_empty(&value) {
        return Ok(value);
    }
    match ty {
        Ty::Any => Ok(value),
        Ty::Str => as_leaf(value, path, "string").map(Value::String),
        Ty::Int { min, max } => {
            let s = as_leaf(value, path, "integer")?;
            Ok(Value::from(parse_int(&s, path, *min, *max)?))
        }
        Ty::Bool => {
            let s = as_leaf(value, path, "boolean")?;
            match s.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                other => Err(ApiError::invalid_param(
                    path,
                    format!("Invalid boolean: {other}"),
                )),
            }
        }
        Ty::Enum(allowed) => {
            let s = as_leaf(value, path, "string")?;
            if allowed.contains(&s.as_str()) {
                Ok(Value::String(s))
            } else {
                Err(ApiError::invalid_param(
                    path,
                    format!("Invalid {path}: must be one of {}", one_of(allowed)),
                ))
            }
        }
        Ty::Obj(fields) => convert_obj(value, fields, path),
        Ty::StrOrObj(fields) => match value {
            Value::String(_) => Ok(value),
            other => convert_obj(other, fields, path),
        },
        Ty::Map => convert_map(value, path),
        Ty::List(inner) => convert_list(value, inner, path),
        Ty::IntOrRange => match value {
            Value::String(s) => Ok(Value::from(parse_int(&s, path, None, None)?)),
            other => convert_obj(other, RANGE_FIELDS, path),
        },
    }
}

fn convert_obj(value: Value, fields: &[Field], path: &str) -> Result<Value, ApiError> {
    let Value::Object(mut map) = value else {
        return Err(ApiError::invalid_param(
            path,
            format!("Invalid hash for {path}"),
        ));
    };
    let mut out = Map::new();
    for field in fields {
        let child_path = join_path(path, field.name);
        match map.remove(field.name) {
            Some(v) => {
                if field.required && is_empty(&v) {
                    return Err(ApiError::missing_param(&child_path));
                }
                out.insert(field.name.into(), convert(v, &field.ty, &child_path)?);
            }
            None if field.required => return Err(ApiError::missing_param(&child_path)),
            None => {}
        }
    }
    Ok(Value::Object(out))
}

fn convert_map(value: Value, path: &str) -> Result<Value, ApiError> {
    let Value::Object(map) = value else {
        return Err(ApiError::invalid_param(
            path,
            format!("Invalid hash for {path}"),
        ));
    };
    if map.len() > 50 {
        return Err(ApiError::invalid_param(
            path,
            "You can specify up to 50 keys in metadata.",
        ));
    }
    let mut out = Map::new();
    for (key, v) in map {
        let child_path = join_path(path, &key);
        if key.chars().count() > 40 {
            return Err(ApiError::invalid_param(
                &child_path,
                "Metadata keys can have up to 40 characters.",
            ));
        }
        let s = as_leaf(v, &child_path, "string")?;
        if s.chars().count() > 500 {
            return Err(ApiError::invalid_param(
                &child_path,
                "Metadata values can have up to 500 characters.",
            ));
        }
        out.insert(key, Value::String(s));
    }
    Ok(Value::Object(out))
}

fn convert_list(value: Value, inner: &Ty, path: &str) -> Result<Value, ApiError> {
    let Value::Object(map) = value else {
        return Err(ApiError::invalid_param(
            path,
            format!("Invalid array for {path}"),
        ));
    };
    let mut indexed = Vec::with_capacity(map.len());
    for (key, v) in map {
        let Ok(index) = key.parse::<usize>() else {
            return Err(ApiError::invalid_param(
                path,
                format!("Invalid array for {path}"),
            ));
        };
        indexed.push((index, v));
    }
    indexed.sort_by_key(|(i, _)| *i);
    let mut out = Vec::with_capacity(indexed.len());
    for (index, v) in indexed {
        out.push(convert(v, inner, &format!("{path}[{index}]"))?);
    }
    Ok(Value::Array(out))
}

fn as_leaf(value: Value, path: &str, what: &str) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(ApiError::invalid_param(
            path,
            format!("Invalid {what}: {path} must be a {what}, not a hash"),
        )),
    }
}

fn parse_int(s: &str, path: &str, min: Option<i64>, max: Option<i64>) -> Result<i64, ApiError> {
    let n: i64 = s.trim().parse().map_err(|_| {
        ApiError::invalid_param(path, format!("Invalid integer: {s}"))
            .code("parameter_invalid_integer")
    })?;
    if let Some(min) = min
        && n < min
    {
        return Err(ApiError::invalid_param(
            path,
            format!("This value must be greater than or equal to {min}."),
        )
        .code("parameter_invalid_integer"));
    }
    if let Some(max) = max
        && n > max
    {
        return Err(ApiError::invalid_param(
            path,
            format!("This value must be less than or equal to {max}."),
        )
        .code("parameter_invalid_integer"));
    }
    Ok(n)
}

/// `a, b, or c`.
pub fn one_of(allowed: &[&str]) -> String {
    match allowed {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} or {b}"),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    }
}

/// Validated parameters: integers, booleans and arrays have their JSON types; `""` means unset.
#[derive(Clone, Debug, Default)]
pub struct Params(pub Map<String, Value>);

impl Params {
    /// The raw value at a dotted path (`business_profile.url`), including `""`.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut current = self.0.get(parts.next()?)?;
        for part in parts {
            current = current.get(part)?;
        }
        Some(current)
    }

    /// Whether the parameter was sent at all (even empty).
    pub fn has(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Whether the parameter was sent as `""` (an explicit unset).
    pub fn is_unset(&self, path: &str) -> bool {
        self.get(path).is_some_and(is_empty)
    }

    /// A non-empty string parameter.
    pub fn str(&self, path: &str) -> Option<&str> {
        self.get(path)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// An integer parameter.
    pub fn i64(&self, path: &str) -> Option<i64> {
        self.get(path).and_then(Value::as_i64)
    }

    /// A boolean parameter.
    pub fn bool(&self, path: &str) -> Option<bool> {
        self.get(path).and_then(Value::as_bool)
    }

    /// A hash parameter.
    pub fn obj(&self, path: &str) -> Option<&Map<String, Value>> {
        self.get(path).and_then(Value::as_object)
    }

    /// An array of strings.
    pub fn strs(&self, path: &str) -> Vec<String> {
        self.get(path)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `expand[]` paths.
    pub fn expand(&self) -> Vec<String> {
        self.strs("expand")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(s: &str) -> Map<String, Value> {
        parse_form(s.as_bytes()).expect("parses")
    }

    #[test]
    fn nested_brackets_and_arrays() {
        let t =
            tree("a[b][c]=1&items[0][price]=p1&items[1][price]=p2&expand[]=x&expand[]=y&plain=v+w");
        assert_eq!(t["a"]["b"]["c"], "1");
        assert_eq!(t["items"]["1"]["price"], "p2");
        assert_eq!(t["expand"]["0"], "x");
        assert_eq!(t["expand"]["1"], "y");
        assert_eq!(t["plain"], "v w");
    }

    #[test]
    fn nesting_is_capped() {
        let at_cap = format!("a{}=1", "[b]".repeat(MAX_NESTING - 1));
        assert!(parse_form(at_cap.as_bytes()).is_ok());
        let hostile = format!("a{}=1", "[b]".repeat(200_000));
        assert!(parse_form(hostile.as_bytes()).is_err());
    }

    #[test]
    fn percent_encoded_brackets() {
        let t = tree("expand%5B0%5D=a&created%5Bgte%5D=1");
        assert_eq!(t["expand"]["0"], "a");
        assert_eq!(t["created"]["gte"], "1");
    }

    #[test]
    fn repeated_scalar_last_wins_and_conflict_errors() {
        assert_eq!(tree("a=1&a=2")["a"], "2");
        assert!(parse_form(b"a[b]=1&a=2").is_err());
    }

    const SCHEMA: Schema = Schema::new(&[
        req("name", Ty::Str),
        opt(
            "count",
            Ty::Int {
                min: Some(1),
                max: Some(100),
            },
        ),
        opt("on", Ty::Bool),
        opt("kind", Ty::Enum(&["a", "b"])),
        opt("meta", Ty::Map),
        opt("tags", Ty::List(&Ty::Str)),
        opt("nested", Ty::Obj(&[opt("x", Ty::Str), opt("y", INT)])),
    ]);

    fn validate(s: &str) -> Result<Params, ApiError> {
        SCHEMA.validate(Form(tree(s)))
    }

    #[test]
    fn typed_values() {
        let p =
            validate("name=n&count=5&on=true&kind=b&meta[k]=v&tags[0]=t&nested[y]=3&expand[0]=e")
                .expect("valid");
        assert_eq!(p.str("name"), Some("n"));
        assert_eq!(p.i64("count"), Some(5));
        assert_eq!(p.bool("on"), Some(true));
        assert_eq!(p.str("meta.k"), Some("v"));
        assert_eq!(p.strs("tags"), vec!["t"]);
        assert_eq!(p.i64("nested.y"), Some(3));
        assert_eq!(p.expand(), vec!["e"]);
    }

    #[test]
    fn errors_match_stripe() {
        let e = validate("name=n&foo=1&nested[z]=2").expect_err("unknown");
        assert_eq!(e.code.as_deref(), Some("parameter_unknown"));
        assert_eq!(e.param.as_deref(), Some("foo"));
        let e = validate("count=2").expect_err("missing");
        assert_eq!(e.message, "Missing required param: name.");
        let e = validate("name=n&count=0").expect_err("range");
        assert_eq!(e.message, "This value must be greater than or equal to 1.");
        let e = validate("name=n&count=x").expect_err("int");
        assert_eq!(e.message, "Invalid integer: x");
        let e = validate("name=n&on=yes").expect_err("bool");
        assert_eq!(e.message, "Invalid boolean: yes");
        let e = validate("name=n&kind=c").expect_err("enum");
        assert_eq!(e.message, "Invalid kind: must be one of a or b");
    }

    #[test]
    fn empty_string_is_unset() {
        let p = validate("name=n&count=&meta[k]=").expect("valid");
        assert!(p.is_unset("count"));
        assert_eq!(p.i64("count"), None);
        assert!(p.is_unset("meta.k"));
    }
}
