//! Small models for the unit tests.

use histune_engine::{Model, ModelOptions};

/// One bin: signal `s`·μ over a background `b` known exactly, `n` observed.
pub fn one_bin(s: f64, b: f64, n: f64) -> Model {
    let text = format!(
        r#"{{"channels":[{{"name":"c","samples":[
            {{"name":"signal","data":[{s}],"modifiers":[{{"name":"mu","type":"normfactor","data":null}}]}},
            {{"name":"background","data":[{b}],"modifiers":[]}}]}}],
          "observations":[{{"name":"c","data":[{n}]}}],
          "measurements":[{{"name":"m","config":{{"poi":"mu","parameters":[]}}}}],
          "version":"1.0.0"}}"#
    );
    Model::from_text(&text, ModelOptions::default()).unwrap()
}

/// pyhf's hello world: `uncorrelated_background([12, 11], [50, 52], [3, 7])` with data [51, 48].
pub fn shapesys_model() -> Model {
    let text = r#"{"channels":[{"name":"singlechannel","samples":[
        {"name":"signal","data":[12.0,11.0],"modifiers":[{"name":"mu","type":"normfactor","data":null}]},
        {"name":"background","data":[50.0,52.0],"modifiers":[{"name":"uncorr_bkguncrt","type":"shapesys","data":[3.0,7.0]}]}]}],
      "observations":[{"name":"singlechannel","data":[51.0,48.0]}],
      "measurements":[{"name":"m","config":{"poi":"mu","parameters":[]}}],
      "version":"1.0.0"}"#;
    Model::from_text(text, ModelOptions::default()).unwrap()
}

/// A signal channel with a background normsys `bkg_norm`, and a control channel whose background
/// carries `decoupled`, a normsys nothing in the signal channel depends on.
pub fn two_channel_model() -> Model {
    let text = r#"{"channels":[
        {"name":"SR","samples":[
            {"name":"signal","data":[8.0,12.0],"modifiers":[{"name":"mu","type":"normfactor","data":null}]},
            {"name":"background","data":[40.0,30.0],"modifiers":[
                {"name":"bkg_norm","type":"normsys","data":{"lo":0.9,"hi":1.12}},
                {"name":"stat","type":"staterror","data":[2.0,2.5]}]}]},
        {"name":"CR","samples":[
            {"name":"other","data":[100.0],"modifiers":[{"name":"decoupled","type":"normsys","data":{"lo":0.8,"hi":1.2}}]}]}],
      "observations":[{"name":"SR","data":[55.0,41.0]},{"name":"CR","data":[108.0]}],
      "measurements":[{"name":"m","config":{"poi":"mu","parameters":[]}}],
      "version":"1.0.0"}"#;
    Model::from_text(text, ModelOptions::default()).unwrap()
}
