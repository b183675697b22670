use std::path::PathBuf;

/// The shared fixtures folder: $HISTUNE_FIXTURES, else `../shared/fixtures` beside the project root.
pub fn fixtures_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("HISTUNE_FIXTURES") {
        return PathBuf::from(dir);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join("../shared/fixtures")
}

pub fn read_json(relative: &str) -> serde_json::Value {
    let path = fixtures_dir().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

#[allow(dead_code)]
pub fn f64s(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}
