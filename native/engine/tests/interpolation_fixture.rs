//! Interpolation codes against pyhf 0.7.6's tensorised outputs (interpolation.json).

mod common;

use histune_engine::interpolation::{InterpCode, Interpolation};

#[test]
fn every_code_reproduces_pyhf() {
    let fixture = common::read_json("pyhf-validation/interpolation.json");
    for (code, case) in fixture.as_object().unwrap() {
        let h = &case["histoset"];
        let (lo, nom, hi) = (h[0][0].as_f64().unwrap(), h[1][0].as_f64().unwrap(), h[2][0].as_f64().unwrap());
        let interp = Interpolation::new(InterpCode::parse(code).unwrap(), lo, nom, hi);
        for (alpha, want) in common::f64s(&case["alphas"]).into_iter().zip(common::f64s(&case["tensorized"])) {
            let got = interp.eval(alpha).0;
            assert!(
                (got - want).abs() <= 1e-14 * want.abs().max(1.0),
                "{code} α={alpha}: {got} vs pyhf {want}"
            );
        }
    }
}
