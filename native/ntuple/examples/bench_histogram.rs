//! Time reading the fixture trees and filling them at many random binnings; prints JSON.
//!
//! bench_histogram --file prediction.root [--binnings N]

use std::time::Instant;

use histune_ntuple::{SampleSpec, WeightedEvents};

/// Small deterministic generator (xorshift64*) so runs are comparable.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let file = flag("--file").expect("--file is required");
    let binnings: usize =
        flag("--binnings").map_or(20_000, |n| n.parse().expect("--binnings is a number"));

    let start = Instant::now();
    let samples: Vec<WeightedEvents> = ["signal", "background", "background_varied"]
        .iter()
        .map(|tree| {
            WeightedEvents::load(&SampleSpec {
                file: file.clone(),
                tree: tree.to_string(),
                observable: "jet_pt".into(),
                weight: "weight".into(),
                selection: Some("lep_charge > 0".into()),
            })
            .expect("fixture loads")
        })
        .collect();
    let load_seconds = start.elapsed().as_secs_f64();

    let mut rng = Rng(0x9E3779B97F4A7C15);
    let edge_sets: Vec<Vec<f64>> = (0..binnings)
        .map(|_| {
            let n_bins = 2 + (rng.uniform() * 19.0) as usize;
            let mut edges: Vec<f64> = (0..=n_bins).map(|_| rng.uniform() * 1400.0).collect();
            edges.sort_by(f64::total_cmp);
            edges.dedup();
            edges
        })
        .collect();
    let start = Instant::now();
    let mut checksum = 0.0;
    for edges in &edge_sets {
        for sample in &samples {
            let h = sample.histogram(edges).expect("valid edges");
            checksum += h.sumw[0];
        }
    }
    let fill_seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"samples\":3,\"events\":[{}],\"load_seconds\":{:.4},\"binnings\":{},\"fill_seconds\":{:.4},\"binnings_per_second\":{:.0},\"mean_bins\":{:.1},\"checksum\":{:.6}}}",
        samples.iter().map(|s| s.len().to_string()).collect::<Vec<_>>().join(","),
        load_seconds,
        binnings,
        fill_seconds,
        binnings as f64 / fill_seconds,
        edge_sets.iter().map(|e| e.len() - 1).sum::<usize>() as f64 / binnings as f64,
        checksum
    );
}
