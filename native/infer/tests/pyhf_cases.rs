//! Every pyhf validation case (shared/fixtures/pyhf-validation/cases.json) against pyhf 0.7.6 with
//! fits converged to 1e-14: CLs, tail probabilities and expected band to 1e-6 relative, √qA to 1e-7,
//! with the case's interpolation codes and test statistic, and with default codes and q̃.

use std::path::PathBuf;

use histune_engine::interpolation::InterpCode;
use histune_engine::{Model, ModelOptions};
use histune_infer::{hypotest, Setup, TestStatistic};
use serde_json::Value;

fn cases() -> serde_json::Map<String, Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/pyhf-validation/cases.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    match serde_json::from_str(&text).unwrap() {
        Value::Object(map) => map,
        _ => panic!("cases.json is not an object"),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn assert_rel(what: &str, ours: f64, reference: f64, rtol: f64) {
    let rel = ((ours - reference) / reference).abs();
    assert!(rel < rtol, "{what}: {ours} vs {reference} (relative {rel:e})");
}

fn check(name: &str, model: &Model, kind: TestStatistic, mu: f64, reference: &Value) {
    let h = hypotest(model, &Setup::new(model), kind, mu, None).unwrap();
    assert!(h.diagnostics.converged, "{name}: {:?}", h.diagnostics.warnings);
    assert_rel(&format!("{name} CLs"), h.cls, reference["CLs_obs"].as_f64().unwrap(), 1e-6);
    let tails = floats(&reference["tail_probs"]);
    let ours = if kind == TestStatistic::Q0 { vec![h.clb] } else { vec![h.clsb, h.clb] };
    for (a, b) in ours.iter().zip(&tails) {
        assert_rel(&format!("{name} tail"), *a, *b, 1e-6);
    }
    for (i, (a, b)) in h.cls_expected.iter().zip(floats(&reference["CLs_exp"])).enumerate() {
        assert_rel(&format!("{name} band {i}"), *a, b, 1e-6);
    }
    assert_rel(&format!("{name} sqrt(qA)"), h.sqrt_q_asimov, reference["sqrtqmuA"].as_f64().unwrap(), 1e-7);
}

#[test]
fn validation_settings_match_converged_pyhf() {
    for (name, case) in cases() {
        let codes = &case["modifier_settings"];
        let options = ModelOptions {
            measurement: None,
            normsys_code: InterpCode::parse(codes["normsys"].as_str().unwrap()).unwrap(),
            histosys_code: InterpCode::parse(codes["histosys"].as_str().unwrap()).unwrap(),
        };
        let model = Model::from_text(&case["workspace"].to_string(), options).unwrap();
        let kind = TestStatistic::parse(case["test_stat"].as_str().unwrap()).unwrap();
        check(&name, &model, kind, case["poi_test"].as_f64().unwrap(), &case["tight_tol1e-14_validation_settings"]);
    }
}

#[test]
fn default_codes_with_qtilde_match_converged_pyhf() {
    let mut checked = 0;
    for (name, case) in cases() {
        let Some(reference) = case.get("tight_tol1e-14_default_codes_qtilde") else { continue };
        let model = Model::from_text(&case["workspace"].to_string(), ModelOptions::default()).unwrap();
        check(&name, &model, TestStatistic::QmuTilde, case["poi_test"].as_f64().unwrap(), reference);
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} cases carry default-code references");
}
