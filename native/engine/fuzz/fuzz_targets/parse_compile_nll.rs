#![no_main]
//! libFuzzer target: `cargo +nightly fuzz run parse_compile_nll fuzz/corpus` (in native/engine).

use libfuzzer_sys::fuzz_target;

#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        harness::exercise(text);
    }
});
