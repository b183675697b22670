//! Fits against pyhf 0.7.6 fits converged to 1e-14 (cases.json, `tight_tol1e-14_*`).

mod common;

use histune_engine::interpolation::InterpCode;
use histune_engine::{FitOptions, Model, ModelOptions};

fn model_of(case: &serde_json::Value) -> Model {
    let s = &case["modifier_settings"];
    let options = ModelOptions {
        measurement: None,
        normsys_code: InterpCode::parse(s["normsys"].as_str().unwrap_or("code4")).unwrap(),
        histosys_code: InterpCode::parse(s["histosys"].as_str().unwrap_or("code4p")).unwrap(),
    };
    Model::from_text(&case["workspace"].to_string(), options).unwrap()
}

#[test]
fn free_and_conditional_fits_reach_pyhf_converged_minima() {
    let cases = common::read_json("pyhf-validation/cases.json");
    let mut checked = 0;
    for (name, case) in cases.as_object().unwrap() {
        let tight = &case["tight_tol1e-14_validation_settings"];
        let model = model_of(case);
        let poi = model.poi_index();
        let free = model.fit(model.observed(), &FitOptions::default()).unwrap();
        assert!(free.converged, "{name}: {}", free.status);
        let want = tight["twice_nll_free"].as_f64().unwrap();
        assert!((free.twice_nll - want).abs() / want.abs() < 1e-9, "{name}: 2NLL {} vs pyhf {}", free.twice_nll, want);
        let want_poi = common::f64s(&tight["free_fit_to_data"])[poi];
        assert!((free.bestfit[poi] - want_poi).abs() < 1e-5, "{name}: POI {} vs pyhf {}", free.bestfit[poi], want_poi);

        let mu = case["poi_test"].as_f64().unwrap();
        let fixed = model.fixed_poi_fit(mu, model.observed(), &FitOptions::default()).unwrap();
        assert!(fixed.converged, "{name}: {}", fixed.status);
        assert_eq!(fixed.bestfit[poi], mu);
        for (i, (got, want)) in fixed.bestfit.iter().zip(common::f64s(&tight["fixed_poi_fit_to_data"])).enumerate() {
            assert!((got - want).abs() < 1e-5 * want.abs().max(1.0), "{name}: fixed fit par {i}: {got} vs {want}");
        }
        checked += 1;
    }
    assert_eq!(checked, cases.as_object().unwrap().len());
}

#[test]
fn uncertainties_come_from_the_inverse_hessian() {
    let cases = common::read_json("pyhf-validation/cases.json");
    let model = model_of(&cases["1bin_shapesys"]);
    let fit = model.fit(model.observed(), &FitOptions { uncertainties: true, ..Default::default() }).unwrap();
    let sigma = fit.uncertainties.expect("positive definite at the minimum");
    // Two-parameter model: compare with the analytic-gradient Hessian inverted by hand.
    let mut ev = model.evaluator();
    let (x, h) = (fit.bestfit.clone(), 1e-5);
    let mut hess = [[0.0; 2]; 2];
    for j in 0..2 {
        let (mut gp, mut gm) = (vec![0.0; 2], vec![0.0; 2]);
        let mut p = x.clone();
        p[j] += h;
        ev.nll_and_grad(&model, &p, model.observed(), &mut gp);
        p[j] -= 2.0 * h;
        ev.nll_and_grad(&model, &p, model.observed(), &mut gm);
        for i in 0..2 {
            hess[i][j] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    let det = hess[0][0] * hess[1][1] - hess[0][1] * hess[1][0];
    let var = [hess[1][1] / det, hess[0][0] / det];
    for i in 0..2 {
        assert!((sigma[i] - var[i].sqrt()).abs() < 1e-5 * sigma[i], "{i}: {} vs {}", sigma[i], var[i].sqrt());
    }
}

#[test]
fn inits_outside_bounds_are_refused() {
    let cases = common::read_json("pyhf-validation/cases.json");
    let model = model_of(&cases["1bin_shapesys"]);
    assert!(model.fixed_poi_fit(-1.0, model.observed(), &FitOptions::default()).is_err());
}
