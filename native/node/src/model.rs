//! `Model`: a compiled workspace as a JS class. Cheap calls (nll, grad) run on the JS thread with
//! the handle's own buffers; fits run as AsyncTasks on the libuv pool; batches use rayon.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use histune_engine::interpolation::InterpCode;
use histune_engine::{
    Dataset, EngineError, ErrorCode, Evaluator, FitOptions as EngineFitOptions, FitResult as EngineFitResult, Fitter, ModelOptions,
};
use napi::bindgen_prelude::{AsyncTask, Either, Env, Float64Array};
use napi::Task;
use napi_derive::napi;
use rayon::prelude::*;

use crate::guarded;

type Engine = histune_engine::Model;

#[napi(object)]
#[derive(Clone, Default)]
pub struct InterpCodes {
    /// 'code1' or 'code4' (default 'code4').
    pub normsys: Option<String>,
    /// 'code0', 'code2' or 'code4p' (default 'code4p').
    pub histosys: Option<String>,
}

#[napi(object)]
#[derive(Clone, Default)]
pub struct CompileOptions {
    /// Measurement name (default: the first).
    pub measurement: Option<String>,
    pub interpcodes: Option<InterpCodes>,
}

#[napi(object)]
#[derive(Clone, Default)]
pub struct FitOptions {
    /// Full data vector (main ++ aux); default: the observed data.
    pub data: Option<Vec<f64>>,
    pub init: Option<Vec<f64>>,
    #[napi(ts_type = "[number, number][]")]
    pub bounds: Option<Vec<Vec<f64>>>,
    pub fixed: Option<Vec<bool>>,
    /// Hold the POI at this value (a conditional fit).
    pub fix_poi: Option<f64>,
    /// Hold parameters at values, by component name (`name` or `name[i]`).
    pub fix: Option<HashMap<String, f64>>,
    /// Also compute uncertainties from the Hessian.
    pub uncertainties: Option<bool>,
    pub max_iterations: Option<u32>,
}

#[napi(object)]
pub struct FitResult {
    pub nll: f64,
    pub twice_nll: f64,
    pub converged: bool,
    pub status: String,
    pub iterations: u32,
    pub function_calls: u32,
    pub bestfit: Vec<f64>,
    pub bestfit_by_name: HashMap<String, f64>,
    pub uncertainties: Option<Vec<f64>>,
    pub uncertainty_by_name: Option<HashMap<String, f64>>,
    pub uncertainty_error: Option<String>,
}

/// Expected yields of one sample in one channel.
#[napi(object)]
pub struct SampleYields {
    pub channel: String,
    pub sample: String,
    pub yields: Vec<f64>,
}

/// A channel's place in the main data vector (pyhf's sorted channel order).
#[napi(object)]
pub struct ChannelLayout {
    pub name: String,
    pub offset: u32,
    pub n_bins: u32,
}

#[napi(object)]
pub struct NllAndGrad {
    pub nll: f64,
    pub grad: Float64Array,
}

fn code(s: Option<&String>, default: InterpCode) -> Result<InterpCode, EngineError> {
    s.map(|s| InterpCode::parse(s)).transpose().map(|c| c.unwrap_or(default))
}

fn slice_of(values: &Either<Float64Array, Vec<f64>>) -> &[f64] {
    match values {
        Either::A(typed) => typed,
        Either::B(vec) => vec,
    }
}

/// Everything a fit needs, resolved on the JS thread so the task itself cannot fail on input.
struct PreparedFit {
    data: Dataset,
    options: EngineFitOptions,
}

fn prepare_fit(model: &Engine, options: Option<FitOptions>) -> Result<PreparedFit, EngineError> {
    let options = options.unwrap_or_default();
    let data = match &options.data {
        Some(d) => model.dataset(d)?,
        None => model.observed().clone(),
    };
    let bounds = options
        .bounds
        .map(|b| {
            b.into_iter()
                .map(|pair| {
                    if pair.len() == 2 {
                        Ok((pair[0], pair[1]))
                    } else {
                        Err(EngineError::bad_request("each bound must be a pair [lo, hi]"))
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let mut fix_values = Vec::new();
    if let Some(mu) = options.fix_poi {
        fix_values.push((model.poi_index(), mu));
    }
    if let Some(fix) = options.fix {
        let names = model.par_names();
        for (name, value) in fix {
            let i = names
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| EngineError::bad_request(format!("no parameter component named '{name}'")))?;
            fix_values.push((i, value));
        }
    }
    Ok(PreparedFit {
        data,
        options: EngineFitOptions {
            init: options.init,
            bounds,
            fixed: options.fixed,
            fix_values,
            uncertainties: options.uncertainties.unwrap_or(false),
            max_iterations: options.max_iterations.map(|n| n as usize),
        },
    })
}

fn to_js(model: &Engine, r: EngineFitResult) -> FitResult {
    let names = model.par_names();
    let by_name = |values: &[f64]| names.iter().cloned().zip(values.iter().copied()).collect::<HashMap<_, _>>();
    FitResult {
        nll: r.nll,
        twice_nll: r.twice_nll,
        converged: r.converged,
        status: r.status,
        iterations: r.iterations as u32,
        function_calls: r.function_calls as u32,
        bestfit_by_name: by_name(&r.bestfit),
        uncertainty_by_name: r.uncertainties.as_deref().map(by_name),
        bestfit: r.bestfit,
        uncertainties: r.uncertainties,
        uncertainty_error: r.uncertainty_error,
    }
}

pub struct FitTask {
    model: Arc<Engine>,
    fits: Vec<PreparedFit>,
    /// Answer with an array (fitBatch) rather than a single result (fit).
    batch: bool,
}

impl Task for FitTask {
    type Output = Vec<EngineFitResult>;
    type JsValue = Either<FitResult, Vec<FitResult>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let model = &self.model;
        let fits = &self.fits;
        guarded(|| {
            if fits.len() == 1 {
                return Ok(vec![model.fit(&fits[0].data, &fits[0].options)?]);
            }
            fits.par_iter()
                .map_init(|| Fitter::new(model), |fitter, f| fitter.fit(&f.data, &f.options))
                .collect::<Result<Vec<_>, _>>()
        })
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        let mut results: Vec<FitResult> = output.into_iter().map(|r| to_js(&self.model, r)).collect();
        if self.batch {
            Ok(Either::B(results))
        } else {
            Ok(Either::A(results.remove(0)))
        }
    }
}

#[napi(js_name = "Model")]
pub struct ModelHandle {
    model: Arc<Engine>,
    /// Buffers of the cheap calls. Behind a lock so that those calls take `&self`: napi-rs keeps
    /// `this` borrowed while a fit started from it is pending, and nll must stay callable then.
    scratch: Mutex<(Evaluator, Vec<f64>)>,
}

impl ModelHandle {
    /// The compiled model, for other bindings (e.g. inference) that take a Model handle.
    pub(crate) fn shared(&self) -> Arc<Engine> {
        self.model.clone()
    }

    fn data_of(&self, data: Option<Either<Float64Array, Vec<f64>>>) -> Result<Option<Dataset>, EngineError> {
        data.map(|d| self.model.dataset(slice_of(&d))).transpose()
    }

    fn check(&self, pars: &[f64]) -> Result<(), EngineError> {
        if pars.len() != self.model.n_pars() {
            return Err(EngineError::bad_request(format!(
                "expected {} parameters, got {}",
                self.model.n_pars(),
                pars.len()
            )));
        }
        Ok(())
    }
}

fn compile_model(text: &str, options: Option<CompileOptions>) -> Result<ModelHandle, EngineError> {
    let options = options.unwrap_or_default();
    let codes = options.interpcodes.unwrap_or_default();
    let model_options = ModelOptions {
        measurement: options.measurement,
        normsys_code: code(codes.normsys.as_ref(), InterpCode::Code4)?,
        histosys_code: code(codes.histosys.as_ref(), InterpCode::Code4p)?,
    };
    let model = Engine::from_text(text, model_options)?;
    let scratch = Mutex::new((model.evaluator(), vec![0.0; model.n_pars()]));
    Ok(ModelHandle {
        model: Arc::new(model),
        scratch,
    })
}

pub struct CompileTask {
    text: String,
    options: Option<CompileOptions>,
}

impl Task for CompileTask {
    type Output = ModelHandle;
    type JsValue = ModelHandle;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let (text, options) = (&self.text, self.options.take());
        guarded(|| compile_model(text, options))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}

#[napi]
impl ModelHandle {
    /// Parse, validate and compile a workspace (JSON text).
    #[napi(factory)]
    pub fn compile(text: String, options: Option<CompileOptions>) -> napi::Result<ModelHandle> {
        guarded(|| compile_model(&text, options))
    }

    /// The same on the libuv thread pool (large workspaces take milliseconds to parse).
    #[napi(ts_return_type = "Promise<Model>")]
    pub fn compile_async(text: String, options: Option<CompileOptions>) -> AsyncTask<CompileTask> {
        AsyncTask::new(CompileTask { text, options })
    }

    #[napi(getter)]
    pub fn n_pars(&self) -> u32 {
        self.model.n_pars() as u32
    }

    #[napi(getter)]
    pub fn n_main(&self) -> u32 {
        self.model.n_main() as u32
    }

    #[napi(getter)]
    pub fn n_aux(&self) -> u32 {
        self.model.n_aux() as u32
    }

    /// Component names in pyhf's order (`name` or `name[i]`).
    #[napi(getter)]
    pub fn par_names(&self) -> Vec<String> {
        self.model.par_names()
    }

    #[napi(getter)]
    pub fn poi_index(&self) -> u32 {
        self.model.poi_index() as u32
    }

    #[napi(getter)]
    pub fn poi_name(&self) -> String {
        self.model.config().poi.clone()
    }

    #[napi(getter)]
    pub fn measurement(&self) -> String {
        self.model.config().measurement.clone()
    }

    #[napi(getter)]
    pub fn suggested_init(&self) -> Vec<f64> {
        self.model.suggested_init()
    }

    #[napi(getter, ts_return_type = "[number, number][]")]
    pub fn suggested_bounds(&self) -> Vec<Vec<f64>> {
        self.model.suggested_bounds().into_iter().map(|(lo, hi)| vec![lo, hi]).collect()
    }

    #[napi(getter)]
    pub fn suggested_fixed(&self) -> Vec<bool> {
        self.model.suggested_fixed()
    }

    /// Channels in pyhf's (sorted) order with their slice of the main data.
    #[napi(getter)]
    pub fn channels(&self) -> Vec<ChannelLayout> {
        self.model
            .config()
            .channels
            .iter()
            .map(|c| ChannelLayout {
                name: c.name.clone(),
                offset: c.offset as u32,
                n_bins: c.n_bins as u32,
            })
            .collect()
    }

    /// Expected yields per sample and channel (pre-fit at the suggested init, post-fit at a best fit).
    #[napi]
    pub fn expected_by_sample(&self, pars: Either<Float64Array, Vec<f64>>) -> napi::Result<Vec<SampleYields>> {
        let model = &self.model;
        let by_sample = guarded(|| model.expected_by_sample(slice_of(&pars)))?;
        let channels = &model.config().channels;
        Ok(by_sample
            .into_iter()
            .map(|s| SampleYields {
                channel: channels[s.channel].name.clone(),
                sample: s.sample,
                yields: s.yields,
            })
            .collect())
    }

    /// Observed main data followed by the auxiliary data (pyhf's `workspace.data(model)`).
    #[napi]
    pub fn observed_data(&self) -> Vec<f64> {
        self.model.observed().full()
    }

    /// Expected main data followed by the expected auxiliary data.
    #[napi]
    pub fn expected_data(&self, pars: Either<Float64Array, Vec<f64>>) -> napi::Result<Vec<f64>> {
        guarded(|| self.model.expected_data(slice_of(&pars)))
    }

    /// −logpdf (pyhf's, constants included) at `pars`, for `data` (default: observed).
    #[napi]
    pub fn nll(&self, pars: Either<Float64Array, Vec<f64>>, data: Option<Either<Float64Array, Vec<f64>>>) -> napi::Result<f64> {
        let pars = slice_of(&pars);
        let data = self.data_of(data).map_err(crate::to_napi)?;
        self.check(pars).map_err(crate::to_napi)?;
        let model = &self.model;
        let mut scratch = self.scratch.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (evaluator, _) = &mut *scratch;
        guarded(|| Ok(evaluator.nll(model, pars, data.as_ref().unwrap_or(model.observed()))))
    }

    /// pyhf's `model.logpdf(pars, data)` (= −nll).
    #[napi]
    pub fn logpdf(&self, pars: Either<Float64Array, Vec<f64>>, data: Option<Either<Float64Array, Vec<f64>>>) -> napi::Result<f64> {
        self.nll(pars, data).map(|v| -v)
    }

    /// Gradient of nll with respect to the parameters.
    #[napi]
    pub fn grad(&self, pars: Either<Float64Array, Vec<f64>>, data: Option<Either<Float64Array, Vec<f64>>>) -> napi::Result<Float64Array> {
        self.nll_and_grad(pars, data).map(|r| r.grad)
    }

    #[napi]
    pub fn nll_and_grad(
        &self,
        pars: Either<Float64Array, Vec<f64>>,
        data: Option<Either<Float64Array, Vec<f64>>>,
    ) -> napi::Result<NllAndGrad> {
        let pars = slice_of(&pars);
        let data = self.data_of(data).map_err(crate::to_napi)?;
        self.check(pars).map_err(crate::to_napi)?;
        let model = &self.model;
        let mut scratch = self.scratch.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (evaluator, grad) = &mut *scratch;
        let nll = guarded(|| Ok(evaluator.nll_and_grad(model, pars, data.as_ref().unwrap_or(model.observed()), grad)))?;
        Ok(NllAndGrad {
            nll,
            grad: Float64Array::new(grad.clone()),
        })
    }

    /// nll for many parameter points at once: `pars` holds k·nPars values, point after point.
    /// Evaluated in parallel (rayon); returns k values.
    #[napi]
    pub fn nll_batch(
        &self,
        pars: Either<Float64Array, Vec<f64>>,
        data: Option<Either<Float64Array, Vec<f64>>>,
    ) -> napi::Result<Float64Array> {
        let flat = slice_of(&pars);
        let n = self.model.n_pars();
        if n == 0 || flat.len() % n != 0 {
            return Err(crate::to_napi(EngineError::bad_request(format!(
                "nllBatch takes k·{n} values, got {}",
                flat.len()
            ))));
        }
        let data = self.data_of(data).map_err(crate::to_napi)?;
        let model = &self.model;
        let values = guarded(|| {
            let data = data.as_ref().unwrap_or(model.observed());
            Ok(flat
                .par_chunks(n)
                .map_init(|| model.evaluator(), |ev, p| ev.nll(model, p, data))
                .collect::<Vec<f64>>())
        })?;
        Ok(Float64Array::new(values))
    }

    /// Maximum-likelihood fit on the libuv thread pool.
    #[napi(ts_return_type = "Promise<FitResult>")]
    pub fn fit(&self, options: Option<FitOptions>) -> napi::Result<AsyncTask<FitTask>> {
        let fit = prepare_fit(&self.model, options).map_err(crate::to_napi)?;
        Ok(AsyncTask::new(FitTask {
            model: self.model.clone(),
            fits: vec![fit],
            batch: false,
        }))
    }

    /// The same fit, blocking the calling thread.
    #[napi]
    pub fn fit_sync(&self, options: Option<FitOptions>) -> napi::Result<FitResult> {
        let fit = prepare_fit(&self.model, options).map_err(crate::to_napi)?;
        let model = &self.model;
        let result = guarded(|| model.fit(&fit.data, &fit.options))?;
        Ok(to_js(model, result))
    }

    /// Many fits (e.g. a POI scan with `fixPoi`), in parallel on rayon, off the JS thread.
    #[napi(ts_return_type = "Promise<FitResult[]>")]
    pub fn fit_batch(&self, options: Vec<FitOptions>) -> napi::Result<AsyncTask<FitTask>> {
        if options.is_empty() {
            return Err(crate::to_napi(EngineError::new(
                ErrorCode::BadRequest,
                "fitBatch needs at least one set of options",
            )));
        }
        let fits = options
            .into_iter()
            .map(|o| prepare_fit(&self.model, Some(o)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(crate::to_napi)?;
        Ok(AsyncTask::new(FitTask {
            model: self.model.clone(),
            fits,
            batch: true,
        }))
    }
}
