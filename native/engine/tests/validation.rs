//! Workspace-level validation errors: code and JSON path.

use histune_engine::{parse_workspace, summarize, ErrorCode, ModelConfig};
use serde_json::{json, Value};

fn base() -> Value {
    json!({
        "channels": [
            {"name": "SR", "samples": [
                {"name": "signal", "data": [5.0, 10.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
                {"name": "bkg", "data": [50.0, 60.0], "modifiers": [
                    {"name": "lumi", "type": "lumi", "data": null},
                    {"name": "jes", "type": "histosys", "data": {"lo_data": [45.0, 58.0], "hi_data": [55.0, 62.0]}},
                    {"name": "jes", "type": "normsys", "data": {"lo": 0.95, "hi": 1.05}},
                    {"name": "stat_SR", "type": "staterror", "data": [3.0, 4.0]}
                ]}
            ]},
            {"name": "CR", "samples": [
                {"name": "bkg", "data": [100.0], "modifiers": [
                    {"name": "bkg_unc", "type": "shapesys", "data": [10.0]},
                    {"name": "lumi", "type": "lumi", "data": null}
                ]}
            ]}
        ],
        "observations": [{"name": "SR", "data": [55.0, 70.0]}, {"name": "CR", "data": [98.0]}],
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": [
            {"name": "lumi", "auxdata": [1.0], "bounds": [[0.5, 1.5]], "inits": [1.0], "sigmas": [0.02]}
        ]}}],
        "version": "1.0.0"
    })
}

fn error_of(v: &Value) -> histune_engine::EngineError {
    let ws = parse_workspace(&v.to_string()).expect("schema-valid");
    ModelConfig::new(&ws, None).expect_err("should be rejected")
}

#[test]
fn the_base_workspace_is_valid_and_summarised() {
    let s = summarize(&base().to_string(), Some("ws.json")).unwrap();
    assert_eq!(s.file.as_deref(), Some("ws.json"));
    assert_eq!(s.poi, "mu");
    assert_eq!(s.n_bins, 3);
    let names: Vec<&str> = s.parameters.iter().map(|p| p.name.as_str()).collect();
    // histosys group first (jes, shared with its normsys), then lumi, normfactor, shapesys, staterror
    assert_eq!(names, ["jes", "lumi", "mu", "bkg_unc", "stat_SR"]);
    assert_eq!(s.n_parameters, 6);
    let stat = &s.parameters[4];
    assert_eq!(stat.component_names, ["stat_SR[0]", "stat_SR[1]"]);
    assert_eq!(stat.constraint, Some("normal"));
    let shapesys = &s.parameters[3];
    assert_eq!(shapesys.constraint, Some("poisson"));
    assert!((shapesys.auxdata[0] - 100.0).abs() < 1e-12);
    assert_eq!(s.parameters[1].bounds, vec![(0.5, 1.5)]);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["channels"][0]["nBins"], 2);
    assert_eq!(json["parameters"][0]["componentNames"][0], "jes");
    assert_eq!(json["modifiers"][0]["type"], "histosys");
    assert_eq!(json["nParameters"], 6);
}

#[test]
fn sample_bins_must_match_the_channel() {
    let mut v = base();
    v["channels"][0]["samples"][1]["data"] = json!([1.0, 2.0, 3.0]);
    let e = error_of(&v);
    assert_eq!(e.code, ErrorCode::Workspace);
    assert_eq!(e.path.as_deref(), Some("channels[0].samples[1].data"));
}

#[test]
fn histosys_templates_must_have_the_sample_length() {
    let mut v = base();
    v["channels"][0]["samples"][1]["modifiers"][1]["data"]["hi_data"] = json!([1.0]);
    let e = error_of(&v);
    assert_eq!(e.path.as_deref(), Some("channels[0].samples[1].modifiers[1].data.hi_data"));
}

#[test]
fn negative_counts_and_uncertainties_are_rejected() {
    let mut v = base();
    v["observations"][1]["data"][0] = json!(-1.0);
    assert_eq!(error_of(&v).path.as_deref(), Some("observations[1].data[0]"));
    let mut v = base();
    v["channels"][0]["samples"][1]["modifiers"][3]["data"][1] = json!(-4.0);
    assert_eq!(error_of(&v).path.as_deref(), Some("channels[0].samples[1].modifiers[3].data[1]"));
}

#[test]
fn a_missing_poi_is_reported_at_the_measurement() {
    let mut v = base();
    v["measurements"][0]["config"]["poi"] = json!("mu_sig");
    let e = error_of(&v);
    assert_eq!(e.path.as_deref(), Some("measurements[0].config.poi"));
    assert!(e.message.contains("mu_sig"));
}

#[test]
fn every_channel_needs_an_observation() {
    let mut v = base();
    v["observations"] = json!([{"name": "SR", "data": [55.0, 70.0]}]);
    let e = error_of(&v);
    assert_eq!(e.path.as_deref(), Some("channels[1]"));
    let mut v = base();
    v["observations"][1]["data"] = json!([1.0, 2.0]);
    assert_eq!(error_of(&v).path.as_deref(), Some("observations[1].data"));
}

#[test]
fn normfactor_and_normsys_cannot_share_a_name() {
    let mut v = base();
    v["channels"][0]["samples"][0]["modifiers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "jes", "type": "normfactor", "data": null}));
    let e = error_of(&v);
    assert_eq!(e.code, ErrorCode::Workspace);
    assert_eq!(e.path.as_deref(), Some("channels[0].samples[0].modifiers[1]"));
    assert!(e.message.contains("InvalidNameReuse"));
}

#[test]
fn shapesys_names_are_unique() {
    let mut v = base();
    v["channels"][0]["samples"][0]["modifiers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "bkg_unc", "type": "shapesys", "data": [1.0, 1.0]}));
    let e = error_of(&v);
    assert_eq!(e.path.as_deref(), Some("channels[1].samples[0].modifiers[0]"));
}

#[test]
fn lumi_needs_its_measurement_config_and_configs_must_fit() {
    let mut v = base();
    v["measurements"][0]["config"]["parameters"] = json!([]);
    let e = error_of(&v);
    assert_eq!(e.path.as_deref(), Some("measurements[0].config.parameters"));
    let mut v = base();
    v["measurements"][0]["config"]["parameters"][0]["inits"] = json!([1.0, 1.0]);
    assert_eq!(error_of(&v).path.as_deref(), Some("measurements[0].config.parameters[0].inits"));
    let mut v = base();
    v["measurements"][0]["config"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "jes", "sigmas": [2.0]}));
    assert_eq!(error_of(&v).path.as_deref(), Some("measurements[0].config.parameters[1].sigmas"));
}

#[test]
fn configs_for_unknown_parameters_are_ignored_as_in_pyhf() {
    let mut v = base();
    v["measurements"][0]["config"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "alpha_jes", "fixed": true}));
    let ws = parse_workspace(&v.to_string()).unwrap();
    assert!(ModelConfig::new(&ws, None).is_ok());
}

#[test]
fn user_fixed_applies_to_every_component() {
    let mut v = base();
    v["measurements"][0]["config"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "stat_SR", "fixed": true}));
    let ws = parse_workspace(&v.to_string()).unwrap();
    let c = ModelConfig::new(&ws, None).unwrap();
    assert_eq!(c.suggested_fixed(), vec![false, false, false, false, true, true]);
}

#[test]
fn staterror_masks_must_agree_across_samples() {
    let mut v = base();
    v["channels"][1]["samples"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "other", "data": [5.0], "modifiers": [{"name": "stat_SR", "type": "staterror", "data": [1.0]}]}));
    // 'bkg' carries stat_SR in SR only, 'other' in CR only
    let e = error_of(&v);
    assert!(e.path.as_deref().unwrap().starts_with("channels[1].samples[1]"), "{e}");
}

#[test]
fn an_unknown_measurement_is_a_bad_request() {
    let ws = parse_workspace(&base().to_string()).unwrap();
    assert_eq!(ModelConfig::new(&ws, Some("nope")).unwrap_err().code, ErrorCode::BadRequest);
}

#[test]
fn interpolation_codes_must_suit_the_modifier() {
    use histune_engine::interpolation::InterpCode;
    use histune_engine::{Model, ModelOptions};
    let text = base().to_string();
    let bad = ModelOptions {
        measurement: None,
        normsys_code: InterpCode::Code0,
        histosys_code: InterpCode::Code4p,
    };
    assert_eq!(Model::from_text(&text, bad).unwrap_err().code, ErrorCode::BadRequest);
    let bad = ModelOptions {
        measurement: None,
        normsys_code: InterpCode::Code4,
        histosys_code: InterpCode::Code1,
    };
    assert_eq!(Model::from_text(&text, bad).unwrap_err().code, ErrorCode::BadRequest);
    // code4 takes logarithms of the factors: a zero factor is refused where code1 accepts it
    let mut v = base();
    v["channels"][0]["samples"][1]["modifiers"][2]["data"]["lo"] = json!(0.0);
    let e = Model::from_text(&v.to_string(), ModelOptions::default()).unwrap_err();
    assert_eq!(e.path.as_deref(), Some("channels[0].samples[1].modifiers[2].data"));
    let code1 = ModelOptions {
        measurement: None,
        normsys_code: InterpCode::Code1,
        histosys_code: InterpCode::Code4p,
    };
    assert!(Model::from_text(&v.to_string(), code1).is_ok());
}

#[test]
fn models_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<histune_engine::Model>();
    shareable::<histune_engine::Dataset>();
}
