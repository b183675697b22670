//! Fill one histogram from a ROOT ntuple and print it as JSON (used by the Python parity test).
//!
//! histogram --file F --tree T --observable EXPR [--weight EXPR] [--selection EXPR] --edges a,b,c

use histune_ntuple::{BinContent, SampleSpec, WeightedEvents};

fn json_numbers<T: std::fmt::Debug>(values: &[T]) -> String {
    format!(
        "[{}]",
        values
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(",")
    )
}

fn json_content(c: &BinContent) -> String {
    format!(
        "{{\"sumw\":{:?},\"sumw2\":{:?},\"entries\":{}}}",
        c.sumw, c.sumw2, c.entries
    )
}

fn run() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let (mut file, mut tree, mut observable, mut weight, mut selection, mut edges) =
        (None, None, None, "1".to_string(), None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--file" => file = Some(value),
            "--tree" => tree = Some(value),
            "--observable" => observable = Some(value),
            "--weight" => weight = value,
            "--selection" => selection = Some(value),
            "--edges" => {
                let parsed: Result<Vec<f64>, _> =
                    value.split(',').map(|s| s.trim().parse::<f64>()).collect();
                edges = Some(parsed.map_err(|e| format!("--edges: {e}"))?);
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let spec = SampleSpec {
        file: file.ok_or("--file is required")?,
        tree: tree.ok_or("--tree is required")?,
        observable: observable.ok_or("--observable is required")?,
        weight,
        selection,
    };
    let events = WeightedEvents::load(&spec).map_err(|e| e.to_string())?;
    let h = events
        .histogram(&edges.ok_or("--edges is required")?)
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "{{\"edges\":{},\"sumw\":{},\"sumw2\":{},\"entries\":{},\"underflow\":{},\"overflow\":{}}}",
        json_numbers(&h.edges),
        json_numbers(&h.sumw),
        json_numbers(&h.sumw2),
        json_numbers(&h.entries),
        json_content(&h.underflow),
        json_content(&h.overflow)
    ))
}

fn main() {
    match run() {
        Ok(json) => println!("{json}"),
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    }
}
