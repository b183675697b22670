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
        assert!(
            (free.twice_nll - want).abs() / want.abs() < 1e-9,
            "{name}: 2NLL {} vs pyhf {}",
            free.twice_nll,
            want
        );
        let want_poi = common::f64s(&tight["free_fit_to_data"])[poi];
        assert!(
            (free.bestfit[poi] - want_poi).abs() < 1e-5,
            "{name}: POI {} vs pyhf {}",
            free.bestfit[poi],
            want_poi
        );

        let mu = case["poi_test"].as_f64().unwrap();
        let fixed = model.fixed_poi_fit(mu, model.observed(), &FitOptions::default()).unwrap();
        assert!(fixed.converged, "{name}: {}", fixed.status);
        assert_eq!(fixed.bestfit[poi], mu);
        for (i, (got, want)) in fixed.bestfit.iter().zip(common::f64s(&tight["fixed_poi_fit_to_data"])).enumerate() {
            assert!(
                (got - want).abs() < 1e-5 * want.abs().max(1.0),
                "{name}: fixed fit par {i}: {got} vs {want}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, cases.as_object().unwrap().len());
}

#[test]
fn uncertainties_come_from_the_inverse_hessian() {
    let cases = common::read_json("pyhf-validation/cases.json");
    let model = model_of(&cases["1bin_shapesys"]);
    let fit = model
        .fit(
            model.observed(),
            &FitOptions {
                uncertainties: true,
                ..Default::default()
            },
        )
        .unwrap();
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
        assert!(
            (sigma[i] - var[i].sqrt()).abs() < 1e-5 * sigma[i],
            "{i}: {} vs {}",
            sigma[i],
            var[i].sqrt()
        );
    }
}

#[test]
fn inits_outside_bounds_are_refused() {
    let cases = common::read_json("pyhf-validation/cases.json");
    let model = model_of(&cases["1bin_shapesys"]);
    assert!(model.fixed_poi_fit(-1.0, model.observed(), &FitOptions::default()).is_err());
}

#[test]
fn a_minimum_on_a_code0_kink_is_recognised_as_converged() {
    // Δ(α) = 2|α| in the first bin (lo and hi both 2 above nominal) and fewer events observed than
    // predicted: the NLL rises on both sides of α = 0 with non-zero slopes, a kink minimum.
    let ws = serde_json::json!({
        "channels": [{"name": "c", "samples": [
            {"name": "sig", "data": [1.0, 10.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
            {"name": "bkg", "data": [50.0, 20.0], "modifiers": [
                {"name": "v", "type": "histosys", "data": {"lo_data": [52.0, 20.0], "hi_data": [52.0, 20.0]}}]}
        ]}],
        "observations": [{"name": "c", "data": [45.0, 30.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    });
    let options = ModelOptions {
        measurement: None,
        normsys_code: InterpCode::Code4,
        histosys_code: InterpCode::Code0,
    };
    let model = Model::from_text(&ws.to_string(), options).unwrap();
    assert_eq!(model.kink_parameters(), &[0]);
    let fit = model.fit(model.observed(), &FitOptions::default()).unwrap();
    assert!(fit.converged, "{}", fit.status);
    assert_eq!(fit.bestfit[0], 0.0, "{:?}", fit.bestfit);
    // the same as a fit with α held at 0
    let held = model
        .fit(
            model.observed(),
            &FitOptions {
                fix_values: vec![(0, 0.0)],
                ..Default::default()
            },
        )
        .unwrap();
    assert!((fit.nll - held.nll).abs() < 1e-12 * held.nll.abs());
    // and lower than nearby points on either side
    let mut ev = model.evaluator();
    for a in [-1e-3, 1e-3] {
        assert!(ev.nll(&model, &[a, fit.bestfit[1]], model.observed()) > fit.nll);
    }
}

#[test]
fn a_stiff_shapesys_constraint_still_converges() {
    // τ = (ν⁰/σ)² ≈ 1.9e11, as in a published ATLAS likelihood on which pyhf's default SLSQP stops
    // after one iteration: the Poisson constraint's terms are ~5e12 and cancel to O(1).
    let ws = serde_json::json!({
        "channels": [{"name": "c", "samples": [
            {"name": "sig", "data": [5.0, 8.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
            {"name": "bkg", "data": [1.0e6, 40.0], "modifiers": [{"name": "stiff", "type": "shapesys", "data": [2.3, 6.0]}]}
        ]}],
        "observations": [{"name": "c", "data": [1000012.0, 51.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    });
    let model = Model::from_text(&ws.to_string(), ModelOptions::default()).unwrap();
    let fit = model.fit(model.observed(), &FitOptions::default()).unwrap();
    // The stiff γ's gradient resolution is τ·ulp(1) ≈ 4e-5: no absolute gradient test can pass, the
    // fit stops at the precision limit and says so.
    assert!(fit.converged, "{}", fit.status);
    let mut grad = vec![0.0; model.n_pars()];
    model.evaluator().nll_and_grad(&model, &fit.bestfit, model.observed(), &mut grad);
    assert!(grad[0].abs() < 1e-9 && grad[2].abs() < 1e-9, "{grad:?}");
    assert!(grad[1].abs() < 1.9e11 * 8.0 * f64::EPSILON, "{grad:?}");
    // a neighbouring point is not lower
    let mut ev = model.evaluator();
    for i in 0..model.n_pars() {
        for h in [-1e-7, 1e-7] {
            let mut p = fit.bestfit.clone();
            p[i] += h * p[i].abs().max(1.0);
            assert!(ev.nll(&model, &p, model.observed()) >= fit.nll - 1e-12, "{i} {h}");
        }
    }
}
