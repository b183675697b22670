//! Print pyhf's `utils.digest` of a workspace file, or with `--canonical` the text it hashes.
//!     cargo run -p histune-engine --example workspace_digest -- [--canonical] ws.json
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let canonical = args.iter().any(|a| a == "--canonical");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: workspace_digest [--canonical] FILE");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let value = histune_engine::patch::parse_json(&text, "workspace").unwrap_or_else(|e| panic!("{e}"));
    if canonical {
        print!("{}", histune_engine::patch::python_json(&value));
    } else {
        println!("{}", histune_engine::workspace_digest(&value, "sha256").unwrap());
    }
}
