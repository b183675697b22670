//! Where compile time goes: `cargo run --release -p histune-engine --example compile_profile -- ws.json`
use std::time::Instant;

use histune_engine::{parse_workspace, Model, ModelConfig, ModelOptions};

fn main() {
    let path = std::env::args().nth(1).expect("a workspace JSON file");
    let text = std::fs::read_to_string(&path).expect("readable");
    let reps = 50;
    let t = Instant::now();
    for _ in 0..reps {
        let _: serde_json::Value = serde_json::from_str(&text).unwrap();
    }
    let json = t.elapsed().as_secs_f64() / reps as f64;
    let t = Instant::now();
    for _ in 0..reps {
        parse_workspace(&text).unwrap();
    }
    let parse = t.elapsed().as_secs_f64() / reps as f64;
    let ws = parse_workspace(&text).unwrap();
    let t = Instant::now();
    for _ in 0..reps {
        ModelConfig::new(&ws, None).unwrap();
    }
    let config = t.elapsed().as_secs_f64() / reps as f64;
    let t = Instant::now();
    for _ in 0..reps {
        Model::compile(&ws, ModelOptions::default()).unwrap();
    }
    let compile = t.elapsed().as_secs_f64() / reps as f64;
    println!(
        "{} bytes: JSON {:.0} µs, parse+schema {:.0} µs, config {:.0} µs, compile (config included) {:.0} µs",
        text.len(),
        json * 1e6,
        parse * 1e6,
        config * 1e6,
        compile * 1e6
    );
}
