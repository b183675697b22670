//! The pyhf workspace JSON (schema v1.0.0), read into typed structs.
//!
//! The reader walks a `serde_json::Value` and keeps the JSON path of every value it looks at, so a
//! schema violation is reported as `E_SCHEMA` at e.g. `channels[0].samples[1].modifiers[2].data.hi_data[3]`.

use serde_json::{Map, Value};

use crate::error::{EngineError, ErrorCode, Result};

/// Modifier types, declared in pyhf's `histfactory_set` order (which is also alphabetical):
/// the derived `Ord` is the order in which parameter groups are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModifierType {
    HistoSys,
    Lumi,
    NormFactor,
    NormSys,
    ShapeFactor,
    ShapeSys,
    StatError,
}

impl ModifierType {
    pub const ALL: [ModifierType; 7] = [
        ModifierType::HistoSys,
        ModifierType::Lumi,
        ModifierType::NormFactor,
        ModifierType::NormSys,
        ModifierType::ShapeFactor,
        ModifierType::ShapeSys,
        ModifierType::StatError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModifierType::HistoSys => "histosys",
            ModifierType::Lumi => "lumi",
            ModifierType::NormFactor => "normfactor",
            ModifierType::NormSys => "normsys",
            ModifierType::ShapeFactor => "shapefactor",
            ModifierType::ShapeSys => "shapesys",
            ModifierType::StatError => "staterror",
        }
    }

    pub fn parse(s: &str) -> Option<ModifierType> {
        ModifierType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModifierData {
    NormFactor,
    ShapeFactor,
    Lumi,
    /// Multiplicative factors at α = −1 and α = +1.
    NormSys {
        lo: f64,
        hi: f64,
    },
    /// Absolute yields at α = −1 and α = +1.
    HistoSys {
        lo_data: Vec<f64>,
        hi_data: Vec<f64>,
    },
    /// Absolute per-bin uncertainties.
    ShapeSys {
        uncertainties: Vec<f64>,
    },
    /// Absolute per-bin uncertainties.
    StatError {
        uncertainties: Vec<f64>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Modifier {
    pub name: String,
    pub data: ModifierData,
}

impl Modifier {
    pub fn modifier_type(&self) -> ModifierType {
        match self.data {
            ModifierData::NormFactor => ModifierType::NormFactor,
            ModifierData::ShapeFactor => ModifierType::ShapeFactor,
            ModifierData::Lumi => ModifierType::Lumi,
            ModifierData::NormSys { .. } => ModifierType::NormSys,
            ModifierData::HistoSys { .. } => ModifierType::HistoSys,
            ModifierData::ShapeSys { .. } => ModifierType::ShapeSys,
            ModifierData::StatError { .. } => ModifierType::StatError,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub data: Vec<f64>,
    pub modifiers: Vec<Modifier>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub name: String,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub name: String,
    pub data: Vec<f64>,
}

/// One entry of `measurements[].config.parameters`: user overrides of a parameter set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParameterConfig {
    pub name: String,
    pub inits: Option<Vec<f64>>,
    pub bounds: Option<Vec<(f64, f64)>>,
    pub auxdata: Option<Vec<f64>>,
    pub factors: Option<Vec<f64>>,
    pub sigmas: Option<Vec<f64>>,
    pub fixed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub name: String,
    pub poi: String,
    pub parameters: Vec<ParameterConfig>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub version: String,
    pub channels: Vec<Channel>,
    pub observations: Vec<Observation>,
    pub measurements: Vec<Measurement>,
}

/// Parse workspace text. Syntax errors carry line and column; schema errors carry the JSON path.
pub fn parse_workspace(text: &str) -> Result<Workspace> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(EngineError::new(ErrorCode::Empty, "the workspace is empty"));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| syntax_error(text, &e))?;
    workspace_from_value(&value)
}

pub(crate) fn syntax_error(text: &str, e: &serde_json::Error) -> EngineError {
    let (line, column) = (e.line(), e.column());
    let mut message = format!("not valid JSON: {e}");
    // Python's json.dump writes NaN/Infinity, which JSON does not allow: say so plainly.
    if let Some(rest) = text.lines().nth(line.saturating_sub(1)) {
        let start = column.saturating_sub(1).min(rest.len());
        let tail = rest.get(start.saturating_sub(9)..).unwrap_or("");
        if ["NaN", "Infinity"].iter().any(|t| tail.contains(t)) {
            message = format!("not valid JSON: NaN and Infinity are not JSON numbers (line {line}, column {column})");
        }
    }
    EngineError {
        code: ErrorCode::JsonSyntax,
        message,
        path: None,
        line: Some(line.max(1)),
        column: Some(column.max(1)),
    }
}

/// A JSON path under construction: `channels[0].samples[1]`.
#[derive(Clone)]
struct Path(String);

impl Path {
    fn root() -> Path {
        Path(String::new())
    }
    fn key(&self, k: &str) -> Path {
        if self.0.is_empty() {
            Path(k.to_string())
        } else {
            Path(format!("{}.{}", self.0, k))
        }
    }
    fn index(&self, i: usize) -> Path {
        Path(format!("{}[{}]", self.0, i))
    }
    fn display(&self) -> String {
        if self.0.is_empty() {
            "(root)".to_string()
        } else {
            self.0.clone()
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(path: &Path, what: &str, found: &Value) -> EngineError {
    EngineError::schema(path.display(), format!("expected {what}, found {}", type_name(found)))
}

/// An object with exactly the allowed keys (pyhf's schema sets `additionalProperties: false`).
fn object<'a>(v: &'a Value, path: &Path, what: &str, allowed: &[&str], required: &[&str]) -> Result<&'a Map<String, Value>> {
    let map = v.as_object().ok_or_else(|| expected(path, &format!("{what} (an object)"), v))?;
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(EngineError::schema(
                path.key(key).display(),
                format!("unexpected property '{key}' in {what}; allowed: {}", allowed.join(", ")),
            ));
        }
    }
    for key in required {
        if !map.contains_key(*key) {
            return Err(EngineError::schema(
                path.display(),
                format!("{what} is missing the required property '{key}'"),
            ));
        }
    }
    Ok(map)
}

fn string(v: &Value, path: &Path) -> Result<String> {
    v.as_str().map(str::to_string).ok_or_else(|| expected(path, "a string", v))
}

fn number(v: &Value, path: &Path) -> Result<f64> {
    let x = v.as_f64().ok_or_else(|| expected(path, "a number", v))?;
    if !x.is_finite() {
        return Err(EngineError::schema(path.display(), "expected a finite number"));
    }
    Ok(x)
}

fn array<'a>(v: &'a Value, path: &Path, min_items: usize) -> Result<&'a Vec<Value>> {
    let items = v.as_array().ok_or_else(|| expected(path, "an array", v))?;
    if items.len() < min_items {
        return Err(EngineError::schema(
            path.display(),
            format!("expected at least {min_items} item(s), found {}", items.len()),
        ));
    }
    Ok(items)
}

fn numbers(v: &Value, path: &Path) -> Result<Vec<f64>> {
    let items = array(v, path, 1)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        match x.as_f64() {
            Some(f) if f.is_finite() => out.push(f),
            // The path string is built only for the error: histograms hold most of the values.
            _ => return Err(number(x, &path.index(i)).expect_err("not a finite number")),
        }
    }
    Ok(out)
}

fn workspace_from_value(v: &Value) -> Result<Workspace> {
    let root = Path::root();
    let map = object(
        v,
        &root,
        "the workspace",
        &["channels", "measurements", "observations", "version"],
        &["channels", "measurements", "observations", "version"],
    )?;
    let version_path = root.key("version");
    let version = string(&map["version"], &version_path)?;
    if version != "1.0.0" {
        return Err(EngineError::schema(
            version_path.display(),
            format!("unsupported workspace version '{version}': expected '1.0.0'"),
        ));
    }
    let channels_path = root.key("channels");
    let channels = array(&map["channels"], &channels_path, 1)?
        .iter()
        .enumerate()
        .map(|(i, c)| channel(c, &channels_path.index(i)))
        .collect::<Result<Vec<_>>>()?;
    let observations_path = root.key("observations");
    let observations = array(&map["observations"], &observations_path, 1)?
        .iter()
        .enumerate()
        .map(|(i, o)| observation(o, &observations_path.index(i)))
        .collect::<Result<Vec<_>>>()?;
    let measurements_path = root.key("measurements");
    let measurements = array(&map["measurements"], &measurements_path, 1)?
        .iter()
        .enumerate()
        .map(|(i, m)| measurement(m, &measurements_path.index(i)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Workspace {
        version,
        channels,
        observations,
        measurements,
    })
}

fn channel(v: &Value, path: &Path) -> Result<Channel> {
    let map = object(v, path, "a channel", &["name", "samples"], &["name", "samples"])?;
    let name = string(&map["name"], &path.key("name"))?;
    let samples_path = path.key("samples");
    let samples = array(&map["samples"], &samples_path, 1)?
        .iter()
        .enumerate()
        .map(|(i, s)| sample(s, &samples_path.index(i)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Channel { name, samples })
}

fn sample(v: &Value, path: &Path) -> Result<Sample> {
    let map = object(v, path, "a sample", &["name", "data", "modifiers"], &["name", "data", "modifiers"])?;
    let name = string(&map["name"], &path.key("name"))?;
    let data = numbers(&map["data"], &path.key("data"))?;
    let modifiers_path = path.key("modifiers");
    let modifiers = array(&map["modifiers"], &modifiers_path, 0)?
        .iter()
        .enumerate()
        .map(|(i, m)| modifier(m, &modifiers_path.index(i)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Sample { name, data, modifiers })
}

fn null_data(v: &Value, path: &Path, kind: &str) -> Result<()> {
    if v.is_null() {
        Ok(())
    } else {
        Err(EngineError::schema(
            path.display(),
            format!("a {kind} modifier takes \"data\": null, found {}", type_name(v)),
        ))
    }
}

fn modifier(v: &Value, path: &Path) -> Result<Modifier> {
    let map = object(v, path, "a modifier", &["name", "type", "data"], &["name", "type", "data"])?;
    let name = string(&map["name"], &path.key("name"))?;
    let type_path = path.key("type");
    let type_string = string(&map["type"], &type_path)?;
    let modifier_type = ModifierType::parse(&type_string).ok_or_else(|| {
        EngineError::schema(
            type_path.display(),
            format!(
                "unknown modifier type '{type_string}'; expected one of {}",
                ModifierType::ALL.map(|t| t.as_str()).join(", ")
            ),
        )
    })?;
    let data_path = path.key("data");
    let raw = &map["data"];
    let data = match modifier_type {
        ModifierType::NormFactor => null_data(raw, &data_path, "normfactor").map(|_| ModifierData::NormFactor)?,
        ModifierType::ShapeFactor => null_data(raw, &data_path, "shapefactor").map(|_| ModifierData::ShapeFactor)?,
        ModifierType::Lumi => {
            if name != "lumi" {
                return Err(EngineError::schema(
                    path.key("name").display(),
                    format!("a lumi modifier must be named \"lumi\", found '{name}'"),
                ));
            }
            null_data(raw, &data_path, "lumi").map(|_| ModifierData::Lumi)?
        }
        ModifierType::NormSys => {
            let d = object(raw, &data_path, "normsys data", &["lo", "hi"], &["lo", "hi"])?;
            ModifierData::NormSys {
                lo: number(&d["lo"], &data_path.key("lo"))?,
                hi: number(&d["hi"], &data_path.key("hi"))?,
            }
        }
        ModifierType::HistoSys => {
            let d = object(raw, &data_path, "histosys data", &["lo_data", "hi_data"], &["lo_data", "hi_data"])?;
            ModifierData::HistoSys {
                lo_data: numbers(&d["lo_data"], &data_path.key("lo_data"))?,
                hi_data: numbers(&d["hi_data"], &data_path.key("hi_data"))?,
            }
        }
        ModifierType::ShapeSys => ModifierData::ShapeSys {
            uncertainties: numbers(raw, &data_path)?,
        },
        ModifierType::StatError => ModifierData::StatError {
            uncertainties: numbers(raw, &data_path)?,
        },
    };
    Ok(Modifier { name, data })
}

fn observation(v: &Value, path: &Path) -> Result<Observation> {
    let map = object(v, path, "an observation", &["name", "data"], &["name", "data"])?;
    Ok(Observation {
        name: string(&map["name"], &path.key("name"))?,
        data: numbers(&map["data"], &path.key("data"))?,
    })
}

fn measurement(v: &Value, path: &Path) -> Result<Measurement> {
    let map = object(v, path, "a measurement", &["name", "config"], &["name", "config"])?;
    let name = string(&map["name"], &path.key("name"))?;
    let config_path = path.key("config");
    let config = object(
        &map["config"],
        &config_path,
        "a measurement config",
        &["poi", "parameters"],
        &["poi", "parameters"],
    )?;
    let poi = string(&config["poi"], &config_path.key("poi"))?;
    let parameters_path = config_path.key("parameters");
    let parameters = array(&config["parameters"], &parameters_path, 0)?
        .iter()
        .enumerate()
        .map(|(i, p)| parameter_config(p, &parameters_path.index(i)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Measurement { name, poi, parameters })
}

fn parameter_config(v: &Value, path: &Path) -> Result<ParameterConfig> {
    let map = object(
        v,
        path,
        "a parameter config",
        &["name", "inits", "bounds", "auxdata", "factors", "sigmas", "fixed"],
        &["name"],
    )?;
    let list = |key: &str| -> Result<Option<Vec<f64>>> { map.get(key).map(|x| numbers(x, &path.key(key))).transpose() };
    let bounds = match map.get("bounds") {
        None => None,
        Some(b) => {
            let bounds_path = path.key("bounds");
            let pairs = array(b, &bounds_path, 1)?
                .iter()
                .enumerate()
                .map(|(i, pair)| {
                    let pair_path = bounds_path.index(i);
                    let items = array(pair, &pair_path, 2)?;
                    if items.len() != 2 {
                        return Err(EngineError::schema(
                            pair_path.display(),
                            format!("a bound is a pair [lo, hi], found {} numbers", items.len()),
                        ));
                    }
                    Ok((number(&items[0], &pair_path.index(0))?, number(&items[1], &pair_path.index(1))?))
                })
                .collect::<Result<Vec<_>>>()?;
            Some(pairs)
        }
    };
    let fixed = match map.get("fixed") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => return Err(expected(&path.key("fixed"), "a boolean", other)),
    };
    Ok(ParameterConfig {
        name: string(&map["name"], &path.key("name"))?,
        inits: list("inits")?,
        bounds,
        auxdata: list("auxdata")?,
        factors: list("factors")?,
        sigmas: list("sigmas")?,
        fixed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "channels": [{"name": "ch", "samples": [
                {"name": "sig", "data": [1.0, 2.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
                {"name": "bkg", "data": [5.0, 6.0], "modifiers": [
                    {"name": "jes", "type": "histosys", "data": {"lo_data": [4.0, 5.0], "hi_data": [6.0, 7.0]}}
                ]}
            ]}],
            "observations": [{"name": "ch", "data": [6.0, 8.0]}],
            "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
            "version": "1.0.0"
        })
    }

    #[test]
    fn parses_a_minimal_workspace() {
        let ws = parse_workspace(&minimal().to_string()).unwrap();
        assert_eq!(ws.channels[0].samples[1].modifiers[0].modifier_type(), ModifierType::HistoSys);
        assert_eq!(ws.measurements[0].poi, "mu");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse_workspace("{\n  \"channels\": [,]\n}").unwrap_err();
        assert_eq!(err.code, ErrorCode::JsonSyntax);
        assert_eq!(err.line, Some(2));
        assert!(err.column.unwrap() > 1);
    }

    #[test]
    fn nan_is_named_in_syntax_errors() {
        let err = parse_workspace("{\"a\": [1, NaN]}").unwrap_err();
        assert_eq!(err.code, ErrorCode::JsonSyntax);
        assert!(err.message.contains("NaN"), "{}", err.message);
    }

    #[test]
    fn numbers_are_read_exactly() {
        // Python writes shortest round-trip reprs; a 1-ulp parse error would break pyhf parity.
        let mut v = minimal();
        v["observations"][0]["data"] = serde_json::from_str("[0.9450000000000001, 1.055]").unwrap();
        let ws = parse_workspace(&v.to_string()).unwrap();
        assert_eq!(ws.observations[0].data, vec![0.9450000000000001, 1.055]);
    }

    #[test]
    fn empty_input_is_its_own_error() {
        assert_eq!(parse_workspace("  \n").unwrap_err().code, ErrorCode::Empty);
    }

    #[test]
    fn wrong_types_report_the_path() {
        let mut v = minimal();
        v["channels"][0]["samples"][1]["modifiers"][0]["data"]["hi_data"][1] = serde_json::json!("x");
        let err = parse_workspace(&v.to_string()).unwrap_err();
        assert_eq!(err.code, ErrorCode::Schema);
        assert_eq!(err.path.as_deref(), Some("channels[0].samples[1].modifiers[0].data.hi_data[1]"));
    }

    #[test]
    fn unknown_modifier_types_are_schema_errors() {
        let mut v = minimal();
        v["channels"][0]["samples"][0]["modifiers"][0]["type"] = serde_json::json!("normfactr");
        let err = parse_workspace(&v.to_string()).unwrap_err();
        assert_eq!(err.path.as_deref(), Some("channels[0].samples[0].modifiers[0].type"));
        assert!(err.message.contains("normfactr"));
    }

    #[test]
    fn missing_fields_and_extra_properties_are_reported() {
        let mut v = minimal();
        v["channels"][0]["samples"][0].as_object_mut().unwrap().remove("modifiers");
        let err = parse_workspace(&v.to_string()).unwrap_err();
        assert_eq!(err.path.as_deref(), Some("channels[0].samples[0]"));
        assert!(err.message.contains("modifiers"));
        let mut v = minimal();
        v["observations"][0]["extra"] = serde_json::json!(1);
        let err = parse_workspace(&v.to_string()).unwrap_err();
        assert_eq!(err.path.as_deref(), Some("observations[0].extra"));
    }

    #[test]
    fn version_and_lumi_name_are_checked() {
        let mut v = minimal();
        v["version"] = serde_json::json!("2.0.0");
        assert_eq!(parse_workspace(&v.to_string()).unwrap_err().path.as_deref(), Some("version"));
        let mut v = minimal();
        v["channels"][0]["samples"][0]["modifiers"][0] = serde_json::json!({"name": "lum", "type": "lumi", "data": null});
        let err = parse_workspace(&v.to_string()).unwrap_err();
        assert_eq!(err.path.as_deref(), Some("channels[0].samples[0].modifiers[0].name"));
    }
}
