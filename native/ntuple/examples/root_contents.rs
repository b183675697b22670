//! Print what the studio's ROOT browser shows, as JSON (used by the Python parity test).
//!
//! root_contents --file F                       the keys, trees and branches
//! root_contents --file F --tree T --observable EXPR [--weight EXPR] [--selection EXPR]
//!               [--bins N] [--range lo,hi]     a summary of one branch

use histune_ntuple::{list_contents, summarize, BinContent, SampleSpec};
use serde_json::{json, Value};

fn content(c: &BinContent) -> Value {
    json!({ "sumw": c.sumw, "sumw2": c.sumw2, "entries": c.entries })
}

fn run() -> Result<Value, String> {
    let mut args = std::env::args().skip(1);
    let (mut file, mut tree, mut observable, mut weight, mut selection, mut bins, mut range) =
        (None, None, None, "1".to_string(), None, 50usize, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--file" => file = Some(value),
            "--tree" => tree = Some(value),
            "--observable" => observable = Some(value),
            "--weight" => weight = value,
            "--selection" => selection = Some(value),
            "--bins" => bins = value.parse().map_err(|e| format!("--bins: {e}"))?,
            "--range" => {
                let parts: Result<Vec<f64>, _> =
                    value.split(',').map(|s| s.trim().parse()).collect();
                match parts.map_err(|e| format!("--range: {e}"))?.as_slice() {
                    [lo, hi] => range = Some((*lo, *hi)),
                    _ => return Err("--range takes lo,hi".into()),
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let file = file.ok_or("--file is required")?;
    let Some(tree) = tree else {
        let contents = list_contents(&file).map_err(|e| e.to_string())?;
        let keys: Vec<Value> = contents
            .keys
            .iter()
            .map(|k| {
                json!({
                    "name": k.name, "className": k.class_name, "title": k.title, "note": k.note,
                    "tree": k.tree.as_ref().map(|t| json!({
                        "entries": t.entries,
                        "branches": t.branches.iter().map(|b| json!({
                            "name": b.name, "typeName": b.type_name, "readable": b.readable, "reason": b.reason,
                        })).collect::<Vec<_>>(),
                    })),
                })
            })
            .collect();
        return Ok(json!({ "path": contents.path, "keys": keys }));
    };
    let spec = SampleSpec {
        file,
        tree,
        observable: observable.ok_or("--observable is required")?,
        weight,
        selection,
    };
    let s = summarize(&spec, bins, range).map_err(|e| e.to_string())?;
    let h = &s.histogram;
    Ok(json!({
        "entries": s.entries, "selected": s.selected, "nonFinite": s.non_finite,
        "sumw": s.sumw, "sumw2": s.sumw2, "min": s.min, "max": s.max, "mean": s.mean, "stdDev": s.std_dev,
        "histogram": {
            "edges": h.edges, "sumw": h.sumw, "sumw2": h.sumw2, "entries": h.entries,
            "underflow": content(&h.underflow), "overflow": content(&h.overflow),
        },
    }))
}

fn main() {
    match run() {
        Ok(value) => println!("{value}"),
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(1);
        }
    }
}
