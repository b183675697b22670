//! logpdf, expected data and gradient against pyhf 0.7.6 numbers.

mod common;

use histune_engine::interpolation::InterpCode;
use histune_engine::{Model, ModelOptions};
use serde_json::json;

fn options_of(case: &serde_json::Value) -> ModelOptions {
    let settings = &case["modifier_settings"];
    ModelOptions {
        measurement: None,
        normsys_code: InterpCode::parse(settings["normsys"].as_str().unwrap_or("code4")).unwrap(),
        histosys_code: InterpCode::parse(settings["histosys"].as_str().unwrap_or("code4p")).unwrap(),
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn logpdf_and_expected_data_at_init_match_pyhf() {
    let cases = common::read_json("pyhf-validation/cases.json");
    for (name, case) in cases.as_object().unwrap() {
        let model = Model::from_text(&case["workspace"].to_string(), options_of(case)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let data = model.dataset(&common::f64s(&case["data_full"])).unwrap();
        let init = model.suggested_init();
        let logpdf = model.logpdf(&init, &data).unwrap();
        let expected = case["logpdf_at_init"].as_f64().unwrap();
        assert!(rel(logpdf, expected) < 1e-12, "{name}: logpdf {logpdf} vs pyhf {expected}");
        let expected_data = model.expected_data(&init).unwrap();
        for (a, e) in expected_data.iter().zip(common::f64s(&case["expected_data_at_init"])) {
            assert!((a - e).abs() <= 1e-12 * e.abs().max(1.0), "{name}: expected data {a} vs {e}");
        }
        // The observed dataset the model builds itself is pyhf's workspace.data(model).
        assert_eq!(model.observed().full(), common::f64s(&case["data_full"]), "{name}");
    }
}

#[test]
fn logpdf_at_the_converged_fits_matches_pyhf_twice_nll() {
    let cases = common::read_json("pyhf-validation/cases.json");
    for (name, case) in cases.as_object().unwrap() {
        let tight = &case["tight_tol1e-14_validation_settings"];
        let (Some(pars), Some(twice_nll)) = (tight.get("free_fit_to_data"), tight.get("twice_nll_free")) else {
            continue;
        };
        let model = Model::from_text(&case["workspace"].to_string(), options_of(case)).unwrap();
        let logpdf = model.logpdf(&common::f64s(pars), model.observed()).unwrap();
        assert!(
            rel(-2.0 * logpdf, twice_nll.as_f64().unwrap()) < 1e-12,
            "{name}: {} vs {}",
            -2.0 * logpdf,
            twice_nll
        );
    }
}

fn staterror_shapesys_toy() -> serde_json::Value {
    json!({
        "channels": [{"name": "ch", "samples": [
            {"name": "A", "data": [10.0, 20.0, 0.0], "modifiers": [
                {"name": "mu", "type": "normfactor", "data": null},
                {"name": "stat", "type": "staterror", "data": [1.0, 2.0, 0.0]}]},
            {"name": "B", "data": [5.0, 0.0, 0.0], "modifiers": [
                {"name": "stat", "type": "staterror", "data": [2.0, 0.0, 0.0]},
                {"name": "sys", "type": "shapesys", "data": [1.0, 0.0, 3.0]}]}
        ]}],
        "observations": [{"name": "ch", "data": [16.0, 27.0, 0.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    })
}

#[test]
fn staterror_and_shapesys_masking_follow_pyhf() {
    // pyhf 0.7.6: pars [1.3, 1.1, 0.9, 1.0, 1.2, 1.0, 1.0] (mu, sys[0..3], stat[0..3]) and data
    // [16, 27, 0] + aux give logpdf −9.964530468015251, expected main [22.2, 26.0, 0.0] and aux
    // [27.5, 0.9, 1.0, 1.2, 1.0, 1.0].
    let model = Model::from_text(&staterror_shapesys_toy().to_string(), ModelOptions::default()).unwrap();
    assert_eq!(
        model.par_names(),
        ["mu", "sys[0]", "sys[1]", "sys[2]", "stat[0]", "stat[1]", "stat[2]"]
    );
    let pars = [1.3, 1.1, 0.9, 1.0, 1.2, 1.0, 1.0];
    let expected = model.expected_data(&pars).unwrap();
    let want = [22.2, 26.0, 0.0, 27.5, 0.9, 1.0, 1.2, 1.0, 1.0];
    for (a, e) in expected.iter().zip(want) {
        assert!((a - e).abs() < 1e-12, "{expected:?}");
    }
    let logpdf = model.logpdf(&pars, model.observed()).unwrap();
    assert!(rel(logpdf, -9.964530468015251) < 1e-12, "{logpdf}");
}

#[test]
fn hello_world_logpdf_matches_pyhf() {
    // pyhf.simplemodels.uncorrelated_background([12, 11], [50, 52], [3, 7]) at [0.5, 1.1, 0.9].
    let ws = json!({
        "channels": [{"name": "singlechannel", "samples": [
            {"name": "signal", "data": [12.0, 11.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
            {"name": "background", "data": [50.0, 52.0], "modifiers": [{"name": "uncorr_bkguncrt", "type": "shapesys", "data": [3.0, 7.0]}]}
        ]}],
        "observations": [{"name": "singlechannel", "data": [51.0, 48.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    });
    let model = Model::from_text(&ws.to_string(), ModelOptions::default()).unwrap();
    let logpdf = model.logpdf(&[0.5, 1.1, 0.9], model.observed()).unwrap();
    assert!(rel(logpdf, -15.05009557083082) < 1e-12, "{logpdf}");
}

/// A model that exercises every modifier, shared parameters and both interpolation families.
pub fn kitchen_sink() -> serde_json::Value {
    json!({
        "channels": [
            {"name": "SR", "samples": [
                {"name": "signal", "data": [3.0, 8.0, 5.0], "modifiers": [
                    {"name": "mu", "type": "normfactor", "data": null},
                    {"name": "lumi", "type": "lumi", "data": null},
                    {"name": "sig_theory", "type": "normsys", "data": {"lo": 0.9, "hi": 1.15}},
                    {"name": "jes", "type": "histosys", "data": {"lo_data": [2.5, 7.0, 4.8], "hi_data": [3.6, 8.5, 5.1]}}]},
                {"name": "ttbar", "data": [40.0, 30.0, 12.0], "modifiers": [
                    {"name": "mu_tt", "type": "normfactor", "data": null},
                    {"name": "lumi", "type": "lumi", "data": null},
                    {"name": "jes", "type": "histosys", "data": {"lo_data": [38.0, 29.0, 11.0], "hi_data": [43.0, 31.5, 12.2]}},
                    {"name": "jes", "type": "normsys", "data": {"lo": 0.97, "hi": 1.02}},
                    {"name": "stat_SR", "type": "staterror", "data": [2.0, 1.5, 1.1]},
                    {"name": "shape_tt", "type": "shapefactor", "data": null}]},
                {"name": "fakes", "data": [6.0, 4.0, 0.0], "modifiers": [
                    {"name": "fake_unc", "type": "shapesys", "data": [2.0, 1.0, 0.5]},
                    {"name": "stat_SR", "type": "staterror", "data": [0.8, 0.7, 0.0]}]}
            ]},
            {"name": "CR", "samples": [
                {"name": "ttbar", "data": [200.0, 150.0, 80.0], "modifiers": [
                    {"name": "mu_tt", "type": "normfactor", "data": null},
                    {"name": "lumi", "type": "lumi", "data": null},
                    {"name": "jes", "type": "normsys", "data": {"lo": 0.95, "hi": 1.06}},
                    {"name": "shape_tt", "type": "shapefactor", "data": null}]},
                {"name": "fakes", "data": [20.0, 10.0, 5.0], "modifiers": []}
            ]}
        ],
        "observations": [{"name": "SR", "data": [52.0, 41.5, 19.0]}, {"name": "CR", "data": [231.0, 158.0, 83.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [
            {"name": "lumi", "auxdata": [1.0], "bounds": [[0.5, 1.5]], "inits": [1.0], "sigmas": [0.017]}
        ]}}],
        "version": "1.0.0"
    })
}

/// The kitchen-sink model under each pair of interpolation codes the derivative tests cover.
fn kitchen_sink_models() -> impl Iterator<Item = (&'static str, &'static str, Model)> {
    [("code4", "code4p"), ("code1", "code0"), ("code1", "code2")].into_iter().map(|(normsys, histosys)| {
        let options = ModelOptions {
            measurement: None,
            normsys_code: InterpCode::parse(normsys).unwrap(),
            histosys_code: InterpCode::parse(histosys).unwrap(),
        };
        (normsys, histosys, Model::from_text(&kitchen_sink().to_string(), options).unwrap())
    })
}

/// `count` seeded points: α on both sides of ±1, factors within ±30 % of their inits.
fn random_points(model: &Model, seed: u64, count: usize) -> Vec<Vec<f64>> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let bounds = model.suggested_bounds();
    let init = model.suggested_init();
    (0..count)
        .map(|_| {
            init.iter()
                .zip(&bounds)
                .map(|(&x0, &(lo, hi))| if lo < 0.0 { -1.8 + 3.6 * uniform() } else { (x0 * (0.7 + 0.6 * uniform())).clamp(lo, hi) })
                .collect()
        })
        .collect()
}

#[test]
fn analytic_gradient_matches_central_differences() {
    for (normsys, histosys, model) in kitchen_sink_models() {
        let n = model.n_pars();
        let mut ev = model.evaluator();
        for pars in random_points(&model, 12345, 5) {
            let mut grad = vec![0.0; n];
            let f = ev.nll_and_grad(&model, &pars, model.observed(), &mut grad);
            assert!((f - ev.nll(&model, &pars, model.observed())).abs() < 1e-12 * f.abs());
            for i in 0..n {
                let h = 1e-6 * pars[i].abs().max(1.0);
                let mut p = pars.clone();
                p[i] = pars[i] + h;
                let up = ev.nll(&model, &p, model.observed());
                p[i] = pars[i] - h;
                let down = ev.nll(&model, &p, model.observed());
                let numeric = (up - down) / (2.0 * h);
                assert!(
                    (numeric - grad[i]).abs() < 1e-6 * (1.0 + grad[i].abs()),
                    "{normsys}/{histosys} {}: analytic {} numeric {}",
                    model.par_names()[i],
                    grad[i],
                    numeric
                );
            }
        }
    }
}

#[test]
fn analytic_hessian_matches_central_differences_of_the_gradient() {
    for (normsys, histosys, model) in kitchen_sink_models() {
        let n = model.n_pars();
        let mut ev = model.evaluator();
        for (point, mut pars) in random_points(&model, 987654321, 6).into_iter().enumerate() {
            if point == 0 {
                // the POI on its lower bound: products with a zero factor
                pars[model.poi_index()] = 0.0;
            }
            let (mut grad, mut hess) = (vec![0.0; n], vec![0.0; n * n]);
            let f = ev.nll_grad_hessian(&model, &pars, model.observed(), &mut grad, &mut hess);
            let mut g_plain = vec![0.0; n];
            assert_eq!(f, ev.nll_and_grad(&model, &pars, model.observed(), &mut g_plain));
            assert_eq!(grad, g_plain);
            let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
            for j in 0..n {
                let h = 1e-5 * pars[j].abs().max(1.0);
                let mut p = pars.clone();
                p[j] = pars[j] + h;
                ev.nll_and_grad(&model, &p, model.observed(), &mut gp);
                p[j] = pars[j] - h;
                ev.nll_and_grad(&model, &p, model.observed(), &mut gm);
                for i in 0..n {
                    let numeric = (gp[i] - gm[i]) / (2.0 * h);
                    let analytic = hess[i * n + j];
                    assert!(
                        (numeric - analytic).abs() < 1e-5 * (1.0 + analytic.abs()),
                        "{normsys}/{histosys} point {point} H[{}, {}]: analytic {analytic} numeric {numeric}",
                        model.par_names()[i],
                        model.par_names()[j]
                    );
                    assert_eq!(hess[i * n + j], hess[j * n + i]);
                }
            }
        }
    }
}

#[test]
fn gradient_is_finite_when_the_poi_is_zero() {
    let model = Model::from_text(&kitchen_sink().to_string(), ModelOptions::default()).unwrap();
    let mut pars = model.suggested_init();
    pars[model.poi_index()] = 0.0;
    let mut grad = vec![0.0; model.n_pars()];
    model.evaluator().nll_and_grad(&model, &pars, model.observed(), &mut grad);
    let mut p = pars.clone();
    p[model.poi_index()] = 1e-7;
    let mut ev = model.evaluator();
    let numeric = (ev.nll(&model, &p, model.observed()) - ev.nll(&model, &pars, model.observed())) / 1e-7;
    assert!(
        (grad[model.poi_index()] - numeric).abs() < 1e-4 * (1.0 + numeric.abs()),
        "{} vs {}",
        grad[model.poi_index()],
        numeric
    );
}

#[test]
fn data_of_the_wrong_length_is_a_bad_request() {
    let model = Model::from_text(&kitchen_sink().to_string(), ModelOptions::default()).unwrap();
    assert!(model.dataset(&[1.0, 2.0]).is_err());
    let mut full = model.observed().full();
    full[0] = -1.0;
    assert!(model.dataset(&full).is_err());
    assert!(model.logpdf(&[1.0], model.observed()).is_err());
}

#[test]
fn the_nll_resolves_tiny_changes_near_the_minimum_for_large_counts() {
    // One bin, n = 10⁶ observed, ν = n·(1 + ε): NLL(ν) − NLL(n) = n·(ε − ln(1 + ε)) ≈ n·ε²/2.
    // Summing n·ln ν and lgamma(n + 1) directly leaves ~1e-10 of rounding noise here.
    let ws = json!({
        "channels": [{"name": "c", "samples": [{"name": "s", "data": [1.0e6], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}]}],
        "observations": [{"name": "c", "data": [1.0e6]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    });
    let model = Model::from_text(&ws.to_string(), ModelOptions::default()).unwrap();
    let mut ev = model.evaluator();
    let at_min = ev.nll(&model, &[1.0], model.observed());
    for eps in [1e-7f64, 3e-8, 1e-8] {
        let delta = ev.nll(&model, &[1.0 + eps], model.observed()) - at_min;
        let exact = 1.0e6 * (eps - eps.ln_1p());
        assert!((delta - exact).abs() < 1e-3 * exact, "ε = {eps}: ΔNLL {delta:e} vs {exact:e}");
    }
    // and the value itself is ½·ln(2πn) + 1/(12n) + O(n⁻³) for ν = n, up to the rounding of
    // lgamma(n + 1) ≈ 1.3e7 (an ulp is 2e-9), which pyhf shares.
    let stirling = 0.5 * (2.0 * std::f64::consts::PI * 1.0e6f64).ln() + 1.0 / 12.0e6;
    assert!((at_min - stirling).abs() < 5e-9, "{at_min} vs {stirling}");
}

#[test]
fn yields_by_sample_add_up_to_the_expected_data() {
    let model = Model::from_text(&kitchen_sink().to_string(), ModelOptions::default()).unwrap();
    let mut pars = model.suggested_init();
    for (i, p) in pars.iter_mut().enumerate() {
        *p += 0.05 * (i as f64 % 3.0 - 1.0);
    }
    let expected = model.expected_data(&pars).unwrap();
    let mut summed = vec![0.0; model.n_main()];
    let by_sample = model.expected_by_sample(&pars).unwrap();
    // CR has ttbar and fakes, SR signal, ttbar and fakes: five (channel, sample) pairs, CR first
    assert_eq!(
        by_sample.iter().map(|s| (s.channel, s.sample.as_str())).collect::<Vec<_>>(),
        [(0, "fakes"), (0, "ttbar"), (1, "fakes"), (1, "signal"), (1, "ttbar")]
    );
    for s in &by_sample {
        let offset = model.config().channels[s.channel].offset;
        for (b, y) in s.yields.iter().enumerate() {
            summed[offset + b] += y;
        }
    }
    for (a, e) in summed.iter().zip(&expected) {
        assert!((a - e).abs() < 1e-12 * e.abs().max(1.0));
    }
}
