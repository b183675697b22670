//! What every fuzz input goes through: parse → summarize → compile → NLL and gradient at the
//! suggested init → (small models) a short fit; and, for JSON arrays, JSON Patch parsing and
//! application. Used by the libFuzzer target (fuzz/fuzz_targets) and by tests/fuzz_parse.rs.
//! Panics are the failures; errors are fine.

use histune_engine::{FitOptions, Fitter, JsonPatch, Model, ModelOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Rejected,
    Evaluated,
}

pub fn exercise(text: &str) -> Outcome {
    let _ = histune_engine::summarize(text, None);
    exercise_patch(text);
    let model = match Model::from_text(text, ModelOptions::default()) {
        Ok(model) => model,
        Err(e) => {
            assert!(!e.message.is_empty(), "an error without a message: {e:?}");
            return Outcome::Rejected;
        }
    };
    let n = model.n_pars();
    let init = model.suggested_init();
    assert_eq!(init.len(), n);
    assert_eq!(model.suggested_bounds().len(), n);
    assert_eq!(model.par_names().len(), n);
    let data = model.observed();
    let mut evaluator = model.evaluator();
    let nll = evaluator.nll(&model, &init, data);
    let mut grad = vec![0.0; n];
    let nll_again = evaluator.nll_and_grad(&model, &init, data, &mut grad);
    assert!(nll.to_bits() == nll_again.to_bits() || (nll.is_nan() && nll_again.is_nan()), "nll {nll} != nll_and_grad {nll_again}");
    // pyhf semantics: ν = 0 < n gives +∞ and ν < 0 (or a NaN yield) gives NaN, and so do values
    // whose n·ln n overflows; otherwise the NLL is a number.
    let expected = model.expected_data(&init).expect("init has the model's length");
    let extreme = |v: &f64| v.is_nan() || v.abs() >= 1e300;
    let degenerate = expected.iter().any(|v| *v <= 0.0 || extreme(v))
        || data.main().iter().chain(data.aux()).any(|v| *v < 0.0 || extreme(v));
    if !degenerate {
        assert!(!nll.is_nan(), "NaN NLL with positive expected data");
    }
    if nll.is_finite() && n <= 40 {
        let options = FitOptions { max_iterations: Some(40), ..FitOptions::default() };
        if let Ok(fit) = Fitter::new(&model).fit(data, &options) {
            assert_eq!(fit.bestfit.len(), n);
            if fit.converged {
                assert!(fit.twice_nll <= 2.0 * nll + 1e-9 * nll.abs().max(1.0), "a converged fit ended above its start: {} > {}", fit.twice_nll, 2.0 * nll);
            }
        }
    }
    Outcome::Evaluated
}

/// A JSON array is also tried as a JSON Patch on a small document.
fn exercise_patch(text: &str) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    if !value.is_array() {
        return;
    }
    if let Ok(patch) = JsonPatch::from_value(&value, "") {
        let doc = serde_json::json!({"channels": [{"name": "a", "data": [1, 2, 3]}], "x": {"y": null}});
        if let Err(e) = patch.apply(&doc, "") {
            assert!(e.message.contains("does not apply"), "{e}");
        }
    }
}
