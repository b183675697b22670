//! JSON Patch (RFC 6902) over `serde_json::Value`, pyhf patchsets (schema v1.0.0) and pyhf's
//! workspace digest.
//!
//! A malformed operation is `E_SCHEMA` at its JSON path (`patches[2].patch[0].op`); an operation
//! that does not apply to the document (a missing member, an index past the end, a failed `test`)
//! is `E_WORKSPACE`, with the operation's index and JSON pointer in the message.

use serde_json::{Map, Value};

use crate::digest::{md5_hex, sha256_hex};
use crate::error::{EngineError, ErrorCode, Result};

/// Parse JSON text (a workspace, a patch or a patchset) with the workspace reader's error style.
pub fn parse_json(text: &str, what: &str) -> Result<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(EngineError::new(ErrorCode::Empty, format!("the {what} is empty")));
    }
    serde_json::from_str(text).map_err(|e| {
        let mut err = crate::spec::syntax_error(text, &e);
        err.message = format!("{what}: {}", err.message);
        err
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Add,
    Remove,
    Replace,
    Move,
    Copy,
    Test,
}

impl OpKind {
    fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
            OpKind::Move => "move",
            OpKind::Copy => "copy",
            OpKind::Test => "test",
        }
    }
}

/// One checked operation of a JSON Patch.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    kind: OpKind,
    path: String,
    tokens: Vec<String>,
    from: Option<(String, Vec<String>)>,
    value: Option<Value>,
}

/// A JSON Patch: operations checked against RFC 6902's grammar, applied in order.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPatch {
    ops: Vec<PatchOp>,
}

/// RFC 6901 pointer tokens: `""` is the whole document, otherwise `/a/b~1c` → ["a", "b/c"].
fn pointer_tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    let mut tokens = Vec::new();
    for raw in rest.split('/') {
        let mut token = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '~' {
                match chars.next() {
                    Some('0') => token.push('~'),
                    Some('1') => token.push('/'),
                    _ => return None,
                }
            } else {
                token.push(c);
            }
        }
        tokens.push(token);
    }
    Some(tokens)
}

impl JsonPatch {
    /// Read a patch (an array of operations); `at` is the JSON path of the array in its file.
    pub fn from_value(value: &Value, at: &str) -> Result<JsonPatch> {
        let list = value
            .as_array()
            .ok_or_else(|| EngineError::schema(at_or_root(at), "a JSON Patch must be an array of operations"))?;
        let mut ops = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let here = format!("{at}[{i}]");
            let map = item
                .as_object()
                .ok_or_else(|| EngineError::schema(&here, format!("patch operation {i} must be an object")))?;
            let text = |key: &str| -> Result<String> {
                match map.get(key) {
                    Some(Value::String(s)) => Ok(s.clone()),
                    Some(_) => Err(EngineError::schema(format!("{here}.{key}"), format!("patch operation {i}: '{key}' must be a string"))),
                    None => Err(EngineError::schema(&here, format!("patch operation {i} is missing '{key}'"))),
                }
            };
            let kind = match text("op")?.as_str() {
                "add" => OpKind::Add,
                "remove" => OpKind::Remove,
                "replace" => OpKind::Replace,
                "move" => OpKind::Move,
                "copy" => OpKind::Copy,
                "test" => OpKind::Test,
                other => {
                    return Err(EngineError::schema(
                        format!("{here}.op"),
                        format!("patch operation {i}: unknown op '{other}' (add, remove, replace, move, copy, test)"),
                    ))
                }
            };
            let pointer = |key: &str| -> Result<(String, Vec<String>)> {
                let p = text(key)?;
                let tokens = pointer_tokens(&p).ok_or_else(|| {
                    EngineError::schema(
                        format!("{here}.{key}"),
                        format!("patch operation {i}: '{p}' is not a JSON pointer (it must be empty or start with '/'; '~' only as ~0 or ~1)"),
                    )
                })?;
                Ok((p, tokens))
            };
            let (path, tokens) = pointer("path")?;
            let from = match kind {
                OpKind::Move | OpKind::Copy => Some(pointer("from")?),
                _ => None,
            };
            let value = match kind {
                OpKind::Add | OpKind::Replace | OpKind::Test => Some(
                    map.get("value")
                        .cloned()
                        .ok_or_else(|| EngineError::schema(&here, format!("patch operation {i} ({}) is missing 'value'", kind.as_str())))?,
                ),
                _ => None,
            };
            ops.push(PatchOp { kind, path, tokens, from, value });
        }
        Ok(JsonPatch { ops })
    }

    pub fn parse(text: &str) -> Result<JsonPatch> {
        JsonPatch::from_value(&parse_json(text, "patch")?, "")
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Apply every operation in order to a copy of `doc` (the document is unchanged on error).
    /// `at` names the patch in errors (e.g. `patches[3].patch`).
    pub fn apply(&self, doc: &Value, at: &str) -> Result<Value> {
        let mut out = doc.clone();
        for (i, op) in self.ops.iter().enumerate() {
            apply_op(&mut out, op).map_err(|why| {
                let from = op.from.as_ref().map(|(f, _)| format!(" from '{f}'")).unwrap_or_default();
                EngineError::workspace(
                    format!("{at}[{i}]"),
                    format!("patch operation {i} ({} '{}'{from}) does not apply: {why}", op.kind.as_str(), op.path),
                )
            })?;
        }
        Ok(out)
    }
}

fn at_or_root(at: &str) -> String {
    if at.is_empty() {
        "(root)".to_string()
    } else {
        at.to_string()
    }
}

/// RFC 6902 array index: "0" or digits without a leading zero.
fn array_index(token: &str, len: usize, allow_end: bool) -> std::result::Result<usize, String> {
    if token == "-" {
        return if allow_end { Ok(len) } else { Err("'-' (past the end) names no element".into()) };
    }
    let valid = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) && (token == "0" || !token.starts_with('0'));
    let index: usize = if valid { token.parse().map_err(|_| format!("index {token} is too large"))? } else {
        return Err(format!("'{token}' is not an array index"));
    };
    let limit = if allow_end { len } else { len.saturating_sub(1) };
    if index > limit || (!allow_end && len == 0) {
        return Err(format!("index {index} is out of range for an array of {len}"));
    }
    Ok(index)
}

fn describe(tokens: &[String]) -> String {
    if tokens.is_empty() {
        "the document".to_string()
    } else {
        format!("'/{}'", tokens.iter().map(|t| t.replace('~', "~0").replace('/', "~1")).collect::<Vec<_>>().join("/"))
    }
}

/// The container that holds the last token of `tokens`.
fn parent_mut<'a>(doc: &'a mut Value, tokens: &[String]) -> std::result::Result<&'a mut Value, String> {
    let mut current = doc;
    for (depth, token) in tokens[..tokens.len() - 1].iter().enumerate() {
        current = match current {
            Value::Object(map) => map
                .get_mut(token)
                .ok_or_else(|| format!("{} has no member '{token}'", describe(&tokens[..depth])))?,
            Value::Array(list) => {
                let len = list.len();
                let i = array_index(token, len, false).map_err(|e| format!("at {}: {e}", describe(&tokens[..depth])))?;
                &mut list[i]
            }
            _ => return Err(format!("{} is not an object or array", describe(&tokens[..depth]))),
        };
    }
    Ok(current)
}

fn get<'a>(doc: &'a Value, tokens: &[String]) -> std::result::Result<&'a Value, String> {
    let mut current = doc;
    for (depth, token) in tokens.iter().enumerate() {
        current = match current {
            Value::Object(map) => map
                .get(token)
                .ok_or_else(|| format!("{} has no member '{token}'", describe(&tokens[..depth])))?,
            Value::Array(list) => {
                let i = array_index(token, list.len(), false).map_err(|e| format!("at {}: {e}", describe(&tokens[..depth])))?;
                &list[i]
            }
            _ => return Err(format!("{} is not an object or array", describe(&tokens[..depth]))),
        };
    }
    Ok(current)
}

fn add(doc: &mut Value, tokens: &[String], value: Value) -> std::result::Result<(), String> {
    if tokens.is_empty() {
        *doc = value;
        return Ok(());
    }
    let last = &tokens[tokens.len() - 1];
    match parent_mut(doc, tokens)? {
        Value::Object(map) => {
            map.insert(last.clone(), value);
        }
        Value::Array(list) => {
            let i = array_index(last, list.len(), true)?;
            list.insert(i, value);
        }
        _ => return Err(format!("{} is not an object or array", describe(&tokens[..tokens.len() - 1]))),
    }
    Ok(())
}

fn remove(doc: &mut Value, tokens: &[String]) -> std::result::Result<Value, String> {
    if tokens.is_empty() {
        return Err("the whole document cannot be removed".into());
    }
    let last = &tokens[tokens.len() - 1];
    match parent_mut(doc, tokens)? {
        Value::Object(map) => map
            .remove(last)
            .ok_or_else(|| format!("{} has no member '{last}'", describe(&tokens[..tokens.len() - 1]))),
        Value::Array(list) => {
            let i = array_index(last, list.len(), false)?;
            Ok(list.remove(i))
        }
        _ => Err(format!("{} is not an object or array", describe(&tokens[..tokens.len() - 1]))),
    }
}

fn apply_op(doc: &mut Value, op: &PatchOp) -> std::result::Result<(), String> {
    let value = || op.value.clone().expect("checked when the patch was read");
    match op.kind {
        OpKind::Add => add(doc, &op.tokens, value()),
        OpKind::Remove => remove(doc, &op.tokens).map(|_| ()),
        OpKind::Replace => {
            if op.tokens.is_empty() {
                *doc = value();
                return Ok(());
            }
            // The target must exist; replacing never appends.
            get(doc, &op.tokens)?;
            let last = &op.tokens[op.tokens.len() - 1];
            match parent_mut(doc, &op.tokens)? {
                Value::Object(map) => {
                    map.insert(last.clone(), value());
                }
                Value::Array(list) => {
                    let i = array_index(last, list.len(), false)?;
                    list[i] = value();
                }
                _ => unreachable!("get() found the target"),
            }
            Ok(())
        }
        OpKind::Move => {
            let (_, from) = op.from.as_ref().expect("checked when the patch was read");
            if from == &op.tokens {
                return get(doc, from).map(|_| ());
            }
            if op.tokens.len() > from.len() && op.tokens[..from.len()] == from[..] {
                return Err("a value cannot be moved into one of its own children".into());
            }
            let moved = remove(doc, from)?;
            add(doc, &op.tokens, moved)
        }
        OpKind::Copy => {
            let (_, from) = op.from.as_ref().expect("checked when the patch was read");
            let copied = get(doc, from)?.clone();
            add(doc, &op.tokens, copied)
        }
        OpKind::Test => {
            let found = get(doc, &op.tokens)?;
            if json_equal(found, op.value.as_ref().expect("checked when the patch was read")) {
                Ok(())
            } else {
                Err(format!("test failed: found {}", abbreviate(found)))
            }
        }
    }
}

/// JSON equality with numbers compared by value (1 == 1.0, as Python's jsonpatch sees it).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(p), Some(q), _, _) => p == q,
            (_, _, Some(p), Some(q)) => p == q,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn abbreviate(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

/// A named patch of a patchset.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPatch {
    pub name: String,
    /// The point in the patchset's parameter space (numbers or strings), one value per label.
    pub values: Vec<Value>,
    pub patch: JsonPatch,
}

/// A pyhf patchset (schema 1.0.0): signal hypotheses as patches of a background-only workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchSet {
    pub description: String,
    pub labels: Vec<String>,
    /// (algorithm, hex digest) of the background-only workspace: `sha256` and/or `md5`.
    pub digests: Vec<(String, String)>,
    pub references: Map<String, Value>,
    pub version: String,
    pub patches: Vec<NamedPatch>,
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn field<'a>(map: &'a Map<String, Value>, key: &str, at: &str, what: &str) -> Result<&'a Value> {
    map.get(key)
        .ok_or_else(|| EngineError::schema(at_or_root(at), format!("{what} is missing the required property '{key}'")))
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

impl PatchSet {
    pub fn parse(text: &str) -> Result<PatchSet> {
        PatchSet::from_value(&parse_json(text, "patchset")?)
    }

    pub fn from_value(value: &Value) -> Result<PatchSet> {
        let root = value
            .as_object()
            .ok_or_else(|| EngineError::schema("(root)", "a patchset must be an object with metadata, patches and version"))?;
        for key in root.keys() {
            if !["metadata", "patches", "version"].contains(&key.as_str()) {
                return Err(EngineError::schema(key.clone(), format!("unexpected property '{key}' in a patchset; allowed: metadata, patches, version")));
            }
        }
        let version = match field(root, "version", "", "the patchset")? {
            Value::String(v) if v == "1.0.0" => v.clone(),
            other => return Err(EngineError::schema("version", format!("the patchset version must be \"1.0.0\", found {other}"))),
        };
        let metadata = field(root, "metadata", "", "the patchset")?
            .as_object()
            .ok_or_else(|| EngineError::schema("metadata", "metadata must be an object"))?;
        let description = match field(metadata, "description", "metadata", "metadata")? {
            Value::String(s) => s.clone(),
            _ => return Err(EngineError::schema("metadata.description", "the description must be a string")),
        };
        let references = match field(metadata, "references", "metadata", "metadata")? {
            Value::Object(map) if !map.is_empty() => {
                for (key, v) in map {
                    let ok = key == "hepdata"
                        && v.as_str().is_some_and(|s| s.len() == 10 && s.starts_with("ins") && s[3..].bytes().all(|b| b.is_ascii_digit()));
                    if !ok {
                        return Err(EngineError::schema(
                            format!("metadata.references.{key}"),
                            "references take only 'hepdata': \"ins\" followed by seven digits",
                        ));
                    }
                }
                map.clone()
            }
            _ => return Err(EngineError::schema("metadata.references", "references must be a non-empty object")),
        };
        let labels = match field(metadata, "labels", "metadata", "metadata")? {
            Value::Array(list) if !list.is_empty() => list
                .iter()
                .enumerate()
                .map(|(i, l)| match l.as_str() {
                    Some(s) if is_identifier(s) => Ok(s.to_string()),
                    _ => Err(EngineError::schema(format!("metadata.labels[{i}]"), "a label must be a string of letters, digits and '_'")),
                })
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(EngineError::schema("metadata.labels", "labels must be a non-empty array of strings")),
        };
        let digests = match field(metadata, "digests", "metadata", "metadata")? {
            Value::Object(map) if !map.is_empty() => map
                .iter()
                .map(|(alg, d)| {
                    let here = format!("metadata.digests.{alg}");
                    let length = match alg.as_str() {
                        "sha256" => 64,
                        "md5" => 32,
                        _ => return Err(EngineError::schema(here, format!("unknown digest algorithm '{alg}' (sha256 or md5)"))),
                    };
                    match d.as_str() {
                        Some(s) if s.len() == length && s.bytes().all(|b| b.is_ascii_hexdigit()) => Ok((alg.clone(), s.to_string())),
                        _ => Err(EngineError::schema(here, format!("a {alg} digest is {length} hexadecimal digits"))),
                    }
                })
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(EngineError::schema("metadata.digests", "digests must be a non-empty object")),
        };
        let list = match field(root, "patches", "", "the patchset")? {
            Value::Array(list) if !list.is_empty() => list,
            _ => return Err(EngineError::schema("patches", "patches must be a non-empty array")),
        };
        let mut patches: Vec<NamedPatch> = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let at = format!("patches[{i}]");
            let map = item.as_object().ok_or_else(|| EngineError::schema(&at, "a patch must be an object with metadata and patch"))?;
            if let Some(key) = map.keys().find(|k| *k != "metadata" && *k != "patch") {
                return Err(EngineError::schema(join(&at, key), format!("unexpected property '{key}' in a patch; allowed: metadata, patch")));
            }
            let meta = field(map, "metadata", &at, "a patch")?
                .as_object()
                .ok_or_else(|| EngineError::schema(join(&at, "metadata"), "a patch's metadata must be an object"))?;
            let meta_at = join(&at, "metadata");
            let name = match field(meta, "name", &meta_at, "a patch's metadata")? {
                Value::String(s) if is_identifier(s) => s.clone(),
                _ => return Err(EngineError::schema(join(&meta_at, "name"), "a patch name must be a string of letters, digits and '_'")),
            };
            let values = match field(meta, "values", &meta_at, "a patch's metadata")? {
                Value::Array(v) if v.iter().all(|x| x.is_number() || x.is_string()) => v.clone(),
                _ => return Err(EngineError::schema(join(&meta_at, "values"), "values must be an array of numbers or strings")),
            };
            let patch = JsonPatch::from_value(field(map, "patch", &at, "a patch")?, &join(&at, "patch"))?;
            if patches.iter().any(|p| p.name == name) {
                return Err(EngineError::workspace(join(&meta_at, "name"), format!("the patchset defines patch '{name}' twice")));
            }
            if patches.iter().any(|p| p.values.len() == values.len() && p.values.iter().zip(&values).all(|(a, b)| json_equal(a, b))) {
                return Err(EngineError::workspace(join(&meta_at, "values"), format!("patch '{name}' repeats the values of an earlier patch")));
            }
            if values.len() != labels.len() {
                return Err(EngineError::workspace(
                    join(&meta_at, "values"),
                    format!("patch '{name}' has {} values but the patchset has {} labels", values.len(), labels.len()),
                ));
            }
            patches.push(NamedPatch { name, values, patch });
        }
        Ok(PatchSet { description, labels, digests, references, version, patches })
    }

    /// The patch called `name`, or an error listing a few of the names there are.
    pub fn get(&self, name: &str) -> Result<(usize, &NamedPatch)> {
        self.patches.iter().enumerate().find(|(_, p)| p.name == name).ok_or_else(|| {
            let shown: Vec<&str> = self.patches.iter().take(5).map(|p| p.name.as_str()).collect();
            let more = if self.patches.len() > shown.len() { format!(", … ({} in all)", self.patches.len()) } else { String::new() };
            EngineError::bad_request(format!("the patchset has no patch named '{name}' (it has {}{more})", shown.join(", ")))
        })
    }

    /// pyhf's `PatchSet.verify`: every digest must match the workspace's.
    pub fn verify(&self, workspace: &Value) -> Result<()> {
        for (alg, expected) in &self.digests {
            let found = workspace_digest(workspace, alg)?;
            if !found.eq_ignore_ascii_case(expected) {
                return Err(EngineError::workspace(
                    format!("metadata.digests.{alg}"),
                    format!("the patchset was made for another workspace: its {alg} digest is {expected}, this workspace's is {found}"),
                ));
            }
        }
        Ok(())
    }

    /// pyhf's `PatchSet.apply(spec, name)`: verify, then apply the named patch.
    pub fn apply(&self, workspace: &Value, name: &str) -> Result<Value> {
        self.verify(workspace)?;
        let (i, patch) = self.get(name)?;
        patch.patch.apply(workspace, &format!("patches[{i}].patch"))
    }
}

/// pyhf's `utils.digest(obj, algorithm)`: the hash of
/// `json.dumps(obj, sort_keys=True, ensure_ascii=False).encode('utf8')`.
pub fn workspace_digest(value: &Value, algorithm: &str) -> Result<String> {
    let text = python_json(value);
    match algorithm {
        "sha256" => Ok(sha256_hex(text.as_bytes())),
        "md5" => Ok(md5_hex(text.as_bytes())),
        _ => Err(EngineError::bad_request(format!("unknown digest algorithm '{algorithm}' (sha256 or md5)"))),
    }
}

/// `json.dumps(value, sort_keys=True, ensure_ascii=False)` as Python writes it: separators ", " and
/// ": ", floats as `repr`, integers as integers.
pub fn python_json(value: &Value) -> String {
    let mut out = String::new();
    write_python_json(value, &mut out);
    out
}

fn write_python_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&python_float_repr(n.as_f64().unwrap_or(f64::NAN)));
            }
        }
        Value::String(s) => write_python_string(s, out),
        Value::Array(list) => {
            out.push('[');
            for (i, v) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json(v, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Python sorts by code point; UTF-8 byte order is the same order.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_string(k, out);
                out.push_str(": ");
                write_python_json(&map[k], out);
            }
            out.push('}');
        }
    }
}

fn write_python_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest round-trip digits, positional for 1e-4 ≤ |x| < 1e16,
/// otherwise `d.ddde±XX`; always with a fractional part or an exponent.
pub fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` prints the shortest round-trip digits ("1.2345e-7"), but where two strings of
    // that length round-trip it may take the upper one; Python takes the one nearest to x (ties to
    // even), which is what the exactly rounded form at the same length gives.
    let shortest = format!("{:e}", x.abs());
    let n_digits = shortest.split_once('e').map_or(1, |(m, _)| m.chars().filter(char::is_ascii_digit).count());
    let nearest = format!("{:.*e}", n_digits - 1, x.abs());
    let sci = if nearest.parse::<f64>() == Ok(x.abs()) { nearest } else { shortest };
    let (mantissa, exponent) = sci.split_once('e').expect("LowerExp always writes an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else if digits.len() <= point as usize {
            format!("{sign}{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..point as usize], &digits[point as usize..])
        }
    } else {
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        let mantissa = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.abs())
    }
}

/// Apply a JSON Patch (text) to workspace text; returns the patched workspace as JSON text.
pub fn apply_patch_text(workspace: &str, patch: &str) -> Result<String> {
    let doc = parse_json(workspace, "workspace")?;
    let patch = JsonPatch::parse(patch)?;
    Ok(patch.apply(&doc, "")?.to_string())
}

/// Verify a patchset against workspace text and apply its patch `name`; returns JSON text.
pub fn apply_patchset_text(workspace: &str, patchset: &str, name: &str) -> Result<String> {
    let doc = parse_json(workspace, "workspace")?;
    let set = PatchSet::parse(patchset)?;
    Ok(set.apply(&doc, name)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(v: Value) -> JsonPatch {
        JsonPatch::from_value(&v, "").unwrap()
    }

    #[test]
    fn rfc6902_appendix_a_examples() {
        let doc = json!({"foo": ["bar", "baz"], "q": {"a": 1}});
        let out = patch(json!([
            {"op": "add", "path": "/foo/1", "value": "qux"},
            {"op": "add", "path": "/foo/-", "value": "end"},
            {"op": "remove", "path": "/q/a"},
            {"op": "replace", "path": "/foo/0", "value": 7},
            {"op": "copy", "from": "/foo/1", "path": "/q/copied"},
            {"op": "move", "from": "/foo/2", "path": "/moved"},
            {"op": "test", "path": "/foo/0", "value": 7.0},
            {"op": "add", "path": "/a~1b~0c", "value": null}
        ]))
        .apply(&doc, "")
        .unwrap();
        assert_eq!(out, json!({"foo": [7, "qux", "end"], "q": {"copied": "qux"}, "moved": "baz", "a/b~c": null}));
        // the original is untouched
        assert_eq!(doc, json!({"foo": ["bar", "baz"], "q": {"a": 1}}));
    }

    #[test]
    fn failing_operations_name_their_index_and_pointer() {
        let doc = json!({"channels": [{"name": "a"}]});
        let err = patch(json!([
            {"op": "test", "path": "/channels/0/name", "value": "a"},
            {"op": "remove", "path": "/channels/3"}
        ]))
        .apply(&doc, "patches[2].patch")
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Workspace);
        assert_eq!(err.path.as_deref(), Some("patches[2].patch[1]"));
        assert!(err.message.contains("patch operation 1 (remove '/channels/3')"), "{}", err.message);
        assert!(err.message.contains("out of range for an array of 1"), "{}", err.message);

        let failed = patch(json!([{"op": "test", "path": "/channels/0/name", "value": "b"}])).apply(&doc, "").unwrap_err();
        assert!(failed.message.contains("test failed: found \"a\""), "{}", failed.message);
        let missing = patch(json!([{"op": "replace", "path": "/measurements", "value": []}])).apply(&doc, "").unwrap_err();
        assert!(missing.message.contains("no member 'measurements'"), "{}", missing.message);
        let leading_zero = patch(json!([{"op": "add", "path": "/channels/01", "value": 1}])).apply(&doc, "").unwrap_err();
        assert!(leading_zero.message.contains("not an array index"), "{}", leading_zero.message);
        let into_child = patch(json!([{"op": "move", "from": "/channels", "path": "/channels/0/x"}])).apply(&doc, "").unwrap_err();
        assert!(into_child.message.contains("own children"), "{}", into_child.message);
    }

    #[test]
    fn malformed_operations_are_schema_errors() {
        let cases = [
            (json!([{"op": "frobnicate", "path": "/a"}]), "[0].op"),
            (json!([{"op": "add", "path": "/a"}]), "[0]"),
            (json!([{"op": "add", "path": "a", "value": 1}]), "[0].path"),
            (json!([{"op": "move", "path": "/a"}]), "[0]"),
            (json!([{"op": "remove", "path": "/a~2"}]), "[0].path"),
        ];
        for (ops, at) in cases {
            let err = JsonPatch::from_value(&ops, "").unwrap_err();
            assert_eq!(err.code, ErrorCode::Schema, "{ops}");
            assert_eq!(err.path.as_deref(), Some(at), "{ops}");
        }
        assert_eq!(JsonPatch::from_value(&json!({"op": "add"}), "").unwrap_err().code, ErrorCode::Schema);
    }

    #[test]
    #[allow(clippy::excessive_precision)] // the halfway case below is exact in binary
    fn floats_print_as_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456789012345.6, "123456789012345.6"),
            (1e16, "1e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (-0.0, "-0.0"),
            (0.9450000000000001, "0.9450000000000001"),
            (100.0, "100.0"),
            // exactly halfway between two 16-digit strings that both round-trip
            (0.59073638916015625, "0.5907363891601562"),
        ];
        for (x, repr) in cases {
            assert_eq!(python_float_repr(x), repr);
        }
    }

    #[test]
    fn digest_matches_pyhf_docstring() {
        // pyhf.utils.digest({'a': 2.0, 'b': 3.0, 'c': 1.0}) in pyhf's documentation
        let obj = json!({"c": 1.0, "a": 2.0, "b": 3.0});
        assert_eq!(workspace_digest(&obj, "sha256").unwrap(), "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928");
        assert_eq!(workspace_digest(&obj, "md5").unwrap(), "2c0633f242928eb55c3672fed5ba8612");
        assert_eq!(python_json(&json!({"b": [1, "é\n"], "a": null})), "{\"a\": null, \"b\": [1, \"é\\n\"]}");
    }

    fn patchset(digest: &str) -> Value {
        json!({
            "metadata": {"description": "d", "digests": {"sha256": digest}, "labels": ["m1", "m2"], "references": {"hepdata": "ins1234567"}},
            "patches": [
                {"metadata": {"name": "p_100_50", "values": [100, 50]}, "patch": [{"op": "add", "path": "/x", "value": 1}]},
                {"metadata": {"name": "p_200_50", "values": [200, 50]}, "patch": [{"op": "remove", "path": "/nope"}]}
            ],
            "version": "1.0.0"
        })
    }

    #[test]
    fn patchsets_verify_select_and_apply() {
        let ws = json!({"a": 1});
        let digest = workspace_digest(&ws, "sha256").unwrap();
        let set = PatchSet::from_value(&patchset(&digest)).unwrap();
        assert_eq!(set.labels, vec!["m1", "m2"]);
        assert_eq!(set.apply(&ws, "p_100_50").unwrap(), json!({"a": 1, "x": 1}));
        let err = set.apply(&ws, "p_200_50").unwrap_err();
        assert_eq!(err.path.as_deref(), Some("patches[1].patch[0]"));
        assert!(err.message.contains("does not apply"));
        let unknown = set.apply(&ws, "p_300_50").unwrap_err();
        assert_eq!(unknown.code, ErrorCode::BadRequest);
        assert!(unknown.message.contains("p_100_50, p_200_50"), "{}", unknown.message);
        let other = set.apply(&json!({"a": 2}), "p_100_50").unwrap_err();
        assert_eq!(other.code, ErrorCode::Workspace);
        assert!(other.message.contains("made for another workspace"));
    }

    #[test]
    fn patchset_schema_and_consistency() {
        let digest = "0".repeat(64);
        let mut v = patchset(&digest);
        v["patches"][1]["metadata"]["values"] = json!([100, 50]);
        assert!(PatchSet::from_value(&v).unwrap_err().message.contains("repeats the values"));
        let mut v = patchset(&digest);
        v["patches"][1]["metadata"]["name"] = json!("p_100_50");
        assert!(PatchSet::from_value(&v).unwrap_err().message.contains("twice"));
        let mut v = patchset(&digest);
        v["patches"][0]["metadata"]["values"] = json!([100]);
        assert!(PatchSet::from_value(&v).unwrap_err().message.contains("2 labels"));
        let mut v = patchset(&digest);
        v["metadata"]["digests"]["sha256"] = json!("xyz");
        assert_eq!(PatchSet::from_value(&v).unwrap_err().path.as_deref(), Some("metadata.digests.sha256"));
        let mut v = patchset(&digest);
        v["patches"][0]["patch"][0]["op"] = json!("nope");
        assert_eq!(PatchSet::from_value(&v).unwrap_err().path.as_deref(), Some("patches[0].patch[0].op"));
        let mut v = patchset(&digest);
        v["version"] = json!("2.0.0");
        assert_eq!(PatchSet::from_value(&v).unwrap_err().code, ErrorCode::Schema);
        let mut v = patchset(&digest);
        v["metadata"].as_object_mut().unwrap().remove("references");
        assert!(PatchSet::from_value(&v).unwrap_err().message.contains("'references'"));
    }
}
