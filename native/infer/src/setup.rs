//! The fit configuration every calculation starts from: pyhf's `init_pars`, `par_bounds` and
//! `fixed_params`, defaulting to the model's suggestions, plus user overrides.

use histune_engine::{EngineError, FitOptions, Model, Result};

#[derive(Debug, Clone)]
pub struct Setup {
    pub init: Vec<f64>,
    pub bounds: Vec<(f64, f64)>,
    pub fixed: Vec<bool>,
    pub max_iterations: Option<usize>,
}

impl Setup {
    pub fn new(model: &Model) -> Setup {
        Setup { init: model.suggested_init(), bounds: model.suggested_bounds(), fixed: model.suggested_fixed(), max_iterations: None }
    }

    /// Index of the component called `name` (`name` or `name[i]`).
    pub fn index_of(model: &Model, name: &str) -> Result<usize> {
        let names = model.par_names();
        names.iter().position(|n| n == name).ok_or_else(|| {
            let shown: Vec<&str> = names.iter().map(String::as_str).take(20).collect();
            EngineError::bad_request(format!(
                "no parameter named '{name}'; the model has {}{}",
                shown.join(", "),
                if names.len() > 20 { ", …" } else { "" }
            ))
        })
    }

    /// Hold component `index` at `value` in every fit (it must lie within its bounds).
    pub fn fix(&mut self, model: &Model, index: usize, value: f64) -> Result<()> {
        let (lo, hi) = self.bounds[index];
        if !value.is_finite() || value < lo || value > hi {
            return Err(EngineError::bad_request(format!(
                "cannot fix {} at {value}: outside its bounds [{lo}, {hi}]",
                model.par_names()[index]
            )));
        }
        self.init[index] = value;
        self.fixed[index] = true;
        Ok(())
    }

    pub fn fix_by_name(&mut self, model: &Model, name: &str, value: f64) -> Result<()> {
        let index = Setup::index_of(model, name)?;
        self.fix(model, index, value)
    }

    /// The POI's index, refusing a fixed POI (pyhf raises there too: nothing to test).
    pub fn free_poi(&self, model: &Model) -> Result<usize> {
        let poi = model.poi_index();
        if self.fixed[poi] {
            return Err(EngineError::bad_request(format!(
                "the parameter of interest '{}' is fixed; hypothesis tests, limits and rankings need it free",
                model.config().poi
            )));
        }
        Ok(poi)
    }

    /// pyhf refuses a tested POI value outside the POI bounds.
    pub fn check_poi_value(&self, model: &Model, mu: f64) -> Result<()> {
        let (lo, hi) = self.bounds[model.poi_index()];
        if !mu.is_finite() || mu < lo || mu > hi {
            return Err(EngineError::bad_request(format!(
                "POI value {mu} lies outside the bounds [{lo}, {hi}] of '{}'",
                model.config().poi
            )));
        }
        Ok(())
    }

    /// Options of a free fit from this setup's inits.
    pub fn free_fit(&self) -> FitOptions {
        FitOptions {
            init: Some(self.init.clone()),
            bounds: Some(self.bounds.clone()),
            fixed: Some(self.fixed.clone()),
            fix_values: Vec::new(),
            uncertainties: false,
            max_iterations: self.max_iterations,
        }
    }

    /// Options of a free fit started from `start` (a previous fit's parameters, clamped to the
    /// bounds; fixed components keep this setup's values): the minimum is the same as from the
    /// inits, it is only reached in fewer steps when `start` lies near it.
    pub fn free_fit_from(&self, start: &[f64]) -> FitOptions {
        let mut options = self.free_fit();
        let init = options.init.as_mut().expect("free_fit sets the inits");
        for (i, x) in init.iter_mut().enumerate() {
            if !self.fixed[i] {
                let (lo, hi) = self.bounds[i];
                *x = start[i].clamp(lo, hi);
            }
        }
        options
    }

    /// Options of a fit with component `index` held at `value`, starting from `start` (default:
    /// this setup's inits). The held component's bounds are widened to contain `value`, so that a
    /// limit search may look beyond the POI's upper bound; callers that must respect the bounds
    /// check first.
    pub fn conditional_fit(&self, index: usize, value: f64, start: Option<&[f64]>) -> FitOptions {
        let mut init = start.map(<[f64]>::to_vec).unwrap_or_else(|| self.init.clone());
        let mut bounds = self.bounds.clone();
        let mut fixed = self.fixed.clone();
        init[index] = value;
        fixed[index] = true;
        let (lo, hi) = bounds[index];
        bounds[index] = (lo.min(value), hi.max(value));
        // A warm start may sit on a bound that another fit moved; keep the free components inside.
        for (x, &(lo, hi)) in init.iter_mut().zip(&bounds) {
            *x = x.clamp(lo, hi);
        }
        FitOptions { init: Some(init), bounds: Some(bounds), fixed: Some(fixed), fix_values: Vec::new(), uncertainties: false, max_iterations: self.max_iterations }
    }
}
