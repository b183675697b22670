//! `histune gpu` self-check as a program: prints `histune_gpu::check::self_check`'s JSON.
//!
//!   cargo run -p histune-gpu --example gpu_check -- [--adapter NAME] [--backend auto|cpu|gpu]
//!
//! Exit status 0 when the GPU agrees with the CPU within its documented bounds, or when there is
//! no GPU (the CPU fallback is reported, not an error); 1 when a GPU result is out of bounds.

use histune_gpu::check::self_check;
use histune_gpu::{BackendChoice, DeviceRequest};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().rposition(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let choice = match arg("--backend").as_deref() {
        Some("cpu") => BackendChoice::Cpu,
        Some("gpu") => BackendChoice::Gpu,
        Some(_) => BackendChoice::Auto,
        None => BackendChoice::from_env(),
    };
    let mut request = DeviceRequest::new();
    if let Some(name) = arg("--adapter") {
        request.adapter_name = Some(name);
    }
    let check = self_check(choice, &request);
    println!("{}", serde_json::to_string_pretty(&check.report).expect("JSON"));
    std::process::exit(if check.ok { 0 } else { 1 });
}
