//! A seeded mutation fuzzer (plain Rust, stable toolchain) over the fixture workspaces: byte-level
//! mutations (flips, deletions, duplications, truncation) and JSON-aware ones (a value replaced by
//! an awkward number, null, a string or an empty container; array elements dropped or repeated;
//! keys removed; modifier types swapped), each run through fuzz/harness.rs (parse → compile → NLL
//! and gradient → short fit), which asserts no panic and numbers or errors.
//!
//! Bounded by HISTUNE_FUZZ_ITERATIONS (default 4000) and HISTUNE_FUZZ_SECONDS (default 8);
//! HISTUNE_FUZZ_SEED picks the sequence. The libFuzzer target of the same harness is fuzz/.

mod common;

#[path = "../fuzz/harness.rs"]
mod harness;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use serde_json::Value;

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn corpus() -> Vec<String> {
    let cases = common::read_json("pyhf-validation/cases.json");
    let mut out: Vec<String> = cases.as_object().expect("cases.json is an object").values().map(|c| c["workspace"].to_string()).collect();
    let tutorial = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../resources/examples/tutorial/workspace.json");
    out.push(std::fs::read_to_string(tutorial).expect("the tutorial workspace"));
    out
}

const AWKWARD_NUMBERS: [f64; 12] = [0.0, -0.0, -1.0, 1e-300, -1e-300, 1e300, -1e300, 1e308, 0.5, 2.0, 1e16, -7.25];

fn awkward_value(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(0.5)),
        2 => Value::String(["", "mu", "lumi", "normsys", "histosys", "staterror", "shapesys", "shapefactor", "normfactor"][rng.below(9)].into()),
        3 => Value::Array(vec![]),
        4 => Value::Object(Default::default()),
        5 => serde_json::json!(u64::MAX),
        6 => serde_json::json!(-(rng.below(5) as i64)),
        _ => serde_json::json!(AWKWARD_NUMBERS[rng.below(AWKWARD_NUMBERS.len())]),
    }
}

/// Every node of the document, as a path of object keys / array indices.
fn nodes(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(path.clone());
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                nodes(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(PathStep::Key(k.clone()));
                nodes(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn node_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        PathStep::Key(k) => &mut v[k.as_str()],
        PathStep::Index(i) => &mut v[*i],
    })
}

fn mutate_json(doc: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    nodes(doc, &mut Vec::new(), &mut all);
    // Most changes go to numbers (yields, uncertainties, bounds, data): they keep the workspace
    // valid often enough to reach compilation and evaluation.
    let numbers: Vec<&Vec<PathStep>> = all.iter().filter(|p| node_mut(&mut doc.clone(), p).is_number()).collect();
    let path = if !numbers.is_empty() && rng.chance(0.7) { numbers[rng.below(numbers.len())].clone() } else { all[rng.below(all.len())].clone() };
    let target = node_mut(doc, &path);
    match target {
        Value::Array(items) if !items.is_empty() && rng.chance(0.6) => {
            let i = rng.below(items.len());
            if rng.chance(0.5) {
                items.remove(i);
            } else {
                let copy = items[i].clone();
                items.insert(rng.below(items.len() + 1), copy);
            }
        }
        Value::Object(map) if !map.is_empty() && rng.chance(0.5) => {
            let key = map.keys().nth(rng.below(map.len())).cloned().expect("non-empty");
            map.remove(&key);
        }
        Value::Number(n) if rng.chance(0.4) => {
            let x = n.as_f64().unwrap_or(0.0);
            *target = serde_json::json!(if rng.chance(0.5) { -x } else { x * 1e6 });
        }
        Value::Number(_) if rng.chance(0.6) => *target = serde_json::json!(AWKWARD_NUMBERS[rng.below(AWKWARD_NUMBERS.len())]),
        _ => *target = awkward_value(rng),
    }
}

fn mutate_bytes(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let n = bytes.len().max(1);
    match rng.below(5) {
        0 => {
            let i = rng.below(n).min(bytes.len().saturating_sub(1));
            if let Some(b) = bytes.get_mut(i) {
                *b ^= 1 << rng.below(8);
            }
        }
        1 => {
            let start = rng.below(n);
            let end = (start + 1 + rng.below(32)).min(bytes.len());
            bytes.drain(start.min(end)..end);
        }
        2 => {
            let start = rng.below(n).min(bytes.len());
            let end = (start + 1 + rng.below(64)).min(bytes.len());
            let piece = bytes[start..end].to_vec();
            let at = rng.below(bytes.len() + 1);
            bytes.splice(at..at, piece);
        }
        3 => bytes.truncate(rng.below(n)),
        _ => {
            let i = rng.below(bytes.len() + 1);
            bytes.insert(i, b"{}[],:\"0-e.9 "[rng.below(13)]);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_workspaces_never_panic() {
    let corpus = corpus();
    let iterations = env_number("HISTUNE_FUZZ_ITERATIONS", 4000);
    let budget = Duration::from_secs(env_number("HISTUNE_FUZZ_SECONDS", 8));
    let seed = env_number("HISTUNE_FUZZ_SEED", 0x5eed);
    let mut rng = Rng(seed.max(1));
    let started = Instant::now();
    let (mut evaluated, mut rejected, mut done) = (0, 0, 0);
    while done < iterations && started.elapsed() < budget {
        let original = &corpus[rng.below(corpus.len())];
        let mut doc: Value = serde_json::from_str(original).expect("corpus entries are JSON");
        let text = if rng.chance(0.75) {
            for _ in 0..1 + rng.below(3) {
                mutate_json(&mut doc, &mut rng);
            }
            doc.to_string()
        } else {
            mutate_bytes(original, &mut rng)
        };
        match catch_unwind(AssertUnwindSafe(|| harness::exercise(&text))) {
            Ok(harness::Outcome::Evaluated) => evaluated += 1,
            Ok(harness::Outcome::Rejected) => rejected += 1,
            Err(_) => panic!("iteration {done} (seed {seed}) panicked on:\n{text}"),
        }
        done += 1;
    }
    eprintln!("fuzz_parse: {done} inputs in {:.1?}: {evaluated} evaluated, {rejected} rejected", started.elapsed());
    assert!(done >= 100, "only {done} inputs ran in the time budget");
    // the mutations must leave a good share of models valid, or the evaluation is not exercised
    assert!(evaluated * 10 >= done, "only {evaluated} of {done} inputs compiled");
}
