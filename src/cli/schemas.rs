//! The JSON contract of every command's `--format json` output, as JSON Schemas generated from
//! the Rust types that are serialised (field doc comments become descriptions).
//!
//! The schemas are committed under `docs/schemas/<command>.schema.json`; `tests/schemas.rs`
//! checks that they equal the generated ones and that real output validates against them.

use schemars::{JsonSchema, Schema, generate::SchemaSettings};

/// The commands with a JSON contract, each with the schema of its `--format json` output on
/// standard output (for `pairs`, the summary; the pairs themselves are JSON Lines).
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        ("encode", schema::<super::encode::EncodeJson>()),
        ("tokenizers", schema::<super::tokenizers::Listing>()),
        ("compare", schema::<crate::compare::CompareReport>()),
        ("budget", schema::<crate::budget::BudgetReport>()),
        ("vocab", schema::<crate::vocab::VocabReport>()),
        ("parity", schema::<crate::parity::ParityReport>()),
        ("retrieval", schema::<crate::retrieval::RetrievalReport>()),
        ("pairs", schema::<crate::pairs::PairsReport>()),
        ("tiling", schema::<crate::tiling::TilingReport>()),
    ]
}

/// The schema of `T` (JSON Schema draft 2020-12), as serialised: `Option` fields are nullable,
/// fields skipped when empty are not required.
fn schema<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>()
}

/// The schema as committed: pretty JSON with a final newline.
pub fn to_text(schema: &Schema) -> String {
    let mut s = serde_json::to_string_pretty(schema).expect("a schema serialises");
    s.push('\n');
    s
}

/// One field of a contract: where it is, its JSON type, and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Path from the document root: `a.b` for a member, `a[]` for the elements of an array,
    /// `a.*` for the values of a map (`[]` alone: the elements of a top-level array).
    pub path: String,
    /// JSON type (`integer`, `number`, `string`, `boolean`, `object`, `array of …`, or the
    /// allowed strings).
    pub ty: String,
    /// Whether the value may be `null`.
    pub nullable: bool,
    /// Whether the member is always present (false: left out when empty or not asked for).
    pub required: bool,
    /// The description of the field, from its doc comment.
    pub description: String,
}

/// Every field of `schema`, depth first, in declaration order; a type that contains itself is
/// described once.
pub fn fields(schema: &Schema) -> Vec<Field> {
    let root = schema.as_value();
    let mut out = Vec::new();
    walk(root, root, "", &mut Vec::new(), &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| seen.insert(f.path.clone()));
    out
}

type Json = serde_json::Value;

/// The definition a `$ref` points to (or the node itself), and the name of the definition.
fn resolve<'a>(root: &'a Json, node: &'a Json) -> (&'a Json, Option<&'a str>) {
    match node.get("$ref").and_then(Json::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or(r);
            (&root["$defs"][name], Some(name))
        }
        None => (node, None),
    }
}

/// The variants of an `anyOf`/`oneOf` other than `null`, and whether `null` was one of them.
fn variants(node: &Json) -> Option<(Vec<&Json>, bool)> {
    let list = node
        .get("anyOf")
        .or_else(|| node.get("oneOf"))?
        .as_array()?;
    let is_null = |v: &Json| v.get("type").and_then(Json::as_str) == Some("null");
    let rest: Vec<&Json> = list.iter().filter(|v| !is_null(v)).collect();
    let nullable = rest.len() < list.len();
    Some((rest, nullable))
}

/// The JSON type of `node` as written in the docs, and whether it admits `null`.
fn type_of(root: &Json, node: &Json) -> (String, bool) {
    let (node, _) = resolve(root, node);
    if let Some((vs, null)) = variants(node) {
        let consts: Vec<String> = vs.iter().filter_map(|v| constant(v)).collect();
        if !consts.is_empty() && consts.len() == vs.len() {
            return (one_of(&consts), null);
        }
        let types: Vec<String> = vs.iter().map(|v| type_of(root, v).0).collect();
        return (types.join(" or "), null);
    }
    if let Some(values) = node.get("enum").and_then(Json::as_array) {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        return (one_of(&values), false);
    }
    if let Some(c) = constant(node) {
        return (c, false);
    }
    let types: Vec<&str> = match node.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => vec!["any"],
    };
    let null = types.contains(&"null");
    let named: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| compound(root, node, t))
        .collect();
    (named.join(" or "), null)
}

/// `array of T`, `[T, U]` for tuples, `map of string to T`, or the type itself.
fn compound(root: &Json, node: &Json, ty: &str) -> String {
    match ty {
        "array" => match (node.get("prefixItems"), node.get("items")) {
            (Some(Json::Array(items)), _) => {
                let ts: Vec<String> = items.iter().map(|i| type_of(root, i).0).collect();
                format!("[{}]", ts.join(", "))
            }
            (_, Some(items)) => format!("array of {}", type_of(root, items).0),
            _ => "array".into(),
        },
        "object" => match node.get("additionalProperties") {
            Some(v) if v.is_object() => format!("map of string to {}", type_of(root, v).0),
            _ => "object".into(),
        },
        t => t.to_string(),
    }
}

/// A `const` value, as JSON text.
fn constant(node: &Json) -> Option<String> {
    node.get("const").map(Json::to_string)
}

/// `one of "a", "b"`.
fn one_of(values: &[String]) -> String {
    format!("one of {}", values.join(", "))
}

/// Adds the fields below `node` (found at `path`) to `out`.
fn walk(root: &Json, node: &Json, path: &str, stack: &mut Vec<String>, out: &mut Vec<Field>) {
    let (node, name) = resolve(root, node);
    if let Some(name) = name {
        if stack.iter().any(|n| n == name) {
            return;
        }
        stack.push(name.to_string());
    }
    if let Some((vs, _)) = variants(node) {
        for v in vs {
            walk(root, v, path, stack, out);
        }
    }
    if let Some(items) = node.get("items") {
        walk(root, items, &format!("{path}[]"), stack, out);
    }
    if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
        walk(root, values, &format!("{path}.*"), stack, out);
    }
    properties(root, node, path, stack, out);
    if name.is_some() {
        stack.pop();
    }
}

/// Adds each property of the object `node` and the fields below it.
fn properties(root: &Json, node: &Json, path: &str, stack: &mut Vec<String>, out: &mut Vec<Field>) {
    let Some(props) = node.get("properties").and_then(Json::as_object) else {
        return;
    };
    let required: Vec<&str> = node
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    for (key, prop) in props {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let (ty, nullable) = type_of(root, prop);
        out.push(Field {
            path: here.clone(),
            ty,
            nullable,
            required: required.contains(&key.as_str()),
            description: description(root, prop),
        });
        walk(root, prop, &here, stack, out);
    }
}

/// The field's own description, else that of its type, on one line.
fn description(root: &Json, node: &Json) -> String {
    let own = node.get("description").and_then(Json::as_str);
    let text = own.or_else(|| resolve(root, node).0.get("description")?.as_str());
    text.unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fields of `schema` as a Markdown table: field, type, null, always present, meaning.
pub fn markdown(schema: &Schema) -> String {
    let mut s =
        String::from("| Field | Type | Null | Present | Meaning |\n|---|---|---|---|---|\n");
    for f in fields(schema) {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            f.path,
            f.ty.replace('|', "\\|"),
            if f.nullable { "null allowed" } else { "" },
            if f.required { "always" } else { "when set" },
            f.description.replace('|', "\\|"),
        ));
    }
    s
}
