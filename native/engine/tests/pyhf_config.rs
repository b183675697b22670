//! Parameter layout against pyhf 0.7.6 (shared/fixtures/pyhf-validation/cases.json).

mod common;

use histune_engine::{parse_workspace, ModelConfig};

#[test]
fn parameter_order_names_inits_bounds_fixed_and_auxdata_match_pyhf() {
    let cases = common::read_json("pyhf-validation/cases.json");
    let cases = cases.as_object().expect("cases by name");
    assert!(cases.len() >= 9);
    for (name, case) in cases {
        let ws = parse_workspace(&case["workspace"].to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let config = ModelConfig::new(&ws, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let order: Vec<&str> = config.parameters.iter().map(|p| p.name.as_str()).collect();
        let expected_order: Vec<&str> = case["par_order"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(order, expected_order, "{name}: par_order");
        let expected_names: Vec<String> = case["par_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(config.par_names(), expected_names, "{name}: par_names");
        assert_eq!(
            config.suggested_init(),
            common::f64s(&case["suggested_init"]),
            "{name}: suggested_init"
        );
        let bounds: Vec<(f64, f64)> = case["suggested_bounds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b[0].as_f64().unwrap(), b[1].as_f64().unwrap()))
            .collect();
        assert_eq!(config.suggested_bounds(), bounds, "{name}: suggested_bounds");
        let fixed: Vec<bool> = case["suggested_fixed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect();
        assert_eq!(config.suggested_fixed(), fixed, "{name}: suggested_fixed");
        let aux = config.auxdata();
        let expected_aux = common::f64s(&case["auxdata"]);
        assert_eq!(aux.len(), expected_aux.len(), "{name}: auxdata length");
        for (a, e) in aux.iter().zip(&expected_aux) {
            assert!((a - e).abs() <= 1e-14 * e.abs().max(1.0), "{name}: auxdata {a} vs {e}");
        }
        let data = config.observed_data(&ws);
        let expected_data = common::f64s(&case["data_full"]);
        assert_eq!(data.len(), expected_data.len(), "{name}: data length");
        for (a, e) in data.iter().zip(&expected_data) {
            assert!((a - e).abs() <= 1e-14 * e.abs().max(1.0), "{name}: data {a} vs {e}");
        }
        assert_eq!(config.poi, ws.measurements[0].poi);
        assert_eq!(config.par_names()[config.poi_index], config.poi, "{name}: poi index");
    }
}
