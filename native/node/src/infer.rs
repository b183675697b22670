//! Binding of histune-infer: hypothesis tests, discovery significance, upper limits, profile scans,
//! impact rankings and toys. Each call takes workspace text (compiled per call) or a compiled
//! `Model` handle (shared, not recompiled: repeated calls skip the compile), runs on the libuv pool
//! (rayon inside) and resolves to a plain object (the crate's serde form, camelCase).

use std::collections::HashMap;
use std::sync::Arc;

use histune_engine::interpolation::InterpCode;
use histune_engine::{EngineError, Model, ModelOptions};
use histune_infer::{Setup, TestStatistic, ToyOptions, UpperLimitOptions};
use napi::bindgen_prelude::{AsyncTask, ClassInstance, Either, ToNapiValue, TypeName};
use napi::{sys, Env, Task, ValueType};
use napi_derive::napi;
use serde::Serialize;

use crate::model::ModelHandle;

/// What an inference call runs on: workspace text, or a `Model` compiled earlier.
pub type ModelSource<'env> = Either<String, ClassInstance<'env, ModelHandle>>;

/// The Send-able form of a `ModelSource`, taken on the JS thread.
pub(crate) enum Source {
    Text(String),
    Compiled(Arc<Model>),
}

impl Source {
    pub(crate) fn of(source: ModelSource<'_>) -> Source {
        match source {
            Either::A(text) => Source::Text(text),
            Either::B(handle) => Source::Compiled(handle.shared()),
        }
    }
}

#[napi(object)]
#[derive(Clone, Default)]
pub struct InferInterpCodes {
    pub normsys: Option<String>,
    pub histosys: Option<String>,
}

/// Options shared by the inference calls; each call reads the fields that apply to it.
#[napi(object)]
#[derive(Clone, Default)]
pub struct InferenceOptions {
    pub measurement: Option<String>,
    pub interpcodes: Option<InferInterpCodes>,
    /// Full data vector (main ++ aux); default: the observed data.
    pub data: Option<Vec<f64>>,
    pub init: Option<Vec<f64>>,
    #[napi(ts_type = "[number, number][]")]
    pub bounds: Option<Vec<Vec<f64>>>,
    pub fixed: Option<Vec<bool>>,
    /// Hold parameters at values, by component name (`name` or `name[i]`).
    pub fix: Option<HashMap<String, f64>>,
    pub max_iterations: Option<u32>,
    /// 'qtilde' (default), 'q', 'q0', 'tmu' or 'tmu_tilde' (the last two for testStatistic only).
    pub test_stat: Option<String>,
    /// Upper limits: confidence level (default 0.95) and relative tolerance (default 1e-4).
    pub cl: Option<f64>,
    pub rtol: Option<f64>,
    /// Ranking: keep the first N.
    pub top_n: Option<u32>,
    /// Toys: how many per hypothesis (default 1000) and the seed (default 0).
    pub n_toys: Option<u32>,
    pub seed: Option<i64>,
}

pub(crate) struct Prepared {
    pub(crate) model: Arc<Model>,
    pub(crate) setup: Setup,
    pub(crate) data: Option<Vec<f64>>,
    pub(crate) options: InferenceOptions,
}

pub(crate) fn prepare(source: Source, options: InferenceOptions) -> Result<Prepared, EngineError> {
    let model = match source {
        Source::Text(text) => {
            let codes = options.interpcodes.clone().unwrap_or_default();
            let parse = |s: &Option<String>, default| s.as_deref().map(InterpCode::parse).transpose().map(|c| c.unwrap_or(default));
            let model_options = ModelOptions {
                measurement: options.measurement.clone(),
                normsys_code: parse(&codes.normsys, InterpCode::Code4)?,
                histosys_code: parse(&codes.histosys, InterpCode::Code4p)?,
            };
            Arc::new(Model::from_text(&text, model_options)?)
        }
        Source::Compiled(model) => {
            if options.measurement.is_some() || options.interpcodes.is_some() {
                return Err(EngineError::bad_request(
                    "measurement and interpcodes belong to Model.compile when a compiled Model is given",
                ));
            }
            model
        }
    };
    let n = model.n_pars();
    let mut setup = Setup::new(&model);
    let check = |what: &str, len: usize| {
        if len != n {
            Err(EngineError::bad_request(format!(
                "{what} has {len} entries but the model has {n} parameters"
            )))
        } else {
            Ok(())
        }
    };
    if let Some(init) = &options.init {
        check("init", init.len())?;
        setup.init = init.clone();
    }
    if let Some(bounds) = &options.bounds {
        check("bounds", bounds.len())?;
        setup.bounds = bounds
            .iter()
            .map(|b| {
                if b.len() == 2 {
                    Ok((b[0], b[1]))
                } else {
                    Err(EngineError::bad_request("each bound must be a pair [lo, hi]"))
                }
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(fixed) = &options.fixed {
        check("fixed", fixed.len())?;
        setup.fixed = fixed.clone();
    }
    if let Some(fix) = &options.fix {
        let mut names: Vec<(&String, &f64)> = fix.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        for (name, value) in names {
            setup.fix_by_name(&model, name, *value)?;
        }
    }
    setup.max_iterations = options.max_iterations.map(|m| m as usize);
    Ok(Prepared {
        model,
        setup,
        data: options.data.clone(),
        options,
    })
}

pub(crate) fn test_stat(options: &InferenceOptions) -> Result<TestStatistic, EngineError> {
    TestStatistic::parse(options.test_stat.as_deref().unwrap_or("qtilde"))
}

pub(crate) fn to_json<T: Serialize>(value: T) -> Result<serde_json::Value, EngineError> {
    serde_json::to_value(value).map_err(|e| EngineError::new(histune_engine::ErrorCode::Internal, e.to_string()))
}

/// A result object: serde_json's conversion, typed as an object for napi's task machinery.
pub struct JsonObject(pub(crate) serde_json::Value);

impl TypeName for JsonObject {
    fn type_name() -> &'static str {
        "Object"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for JsonObject {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: forwarded unchanged from napi's own call.
        unsafe { serde_json::Value::to_napi_value(env, val.0) }
    }
}

type Job = Box<dyn FnOnce() -> Result<serde_json::Value, EngineError> + Send>;

pub struct InferTask {
    job: Option<Job>,
}

impl Task for InferTask {
    type Output = serde_json::Value;
    type JsValue = JsonObject;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let job = self
            .job
            .take()
            .ok_or_else(|| napi::Error::from_reason("inference task already ran"))?;
        crate::guarded(job)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(JsonObject(output))
    }
}

fn task(
    model: ModelSource<'_>,
    options: Option<InferenceOptions>,
    run: impl FnOnce(Prepared) -> Result<serde_json::Value, EngineError> + Send + 'static,
) -> AsyncTask<InferTask> {
    let options = options.unwrap_or_default();
    let source = Source::of(model);
    AsyncTask::new(InferTask {
        job: Some(Box::new(move || run(prepare(source, options)?))),
    })
}

/// Asymptotic hypothesis test at `mu` (pyhf's `hypotest` with tail probabilities and expected set).
#[napi(ts_return_type = "Promise<HypotestReport>")]
pub fn infer_hypotest(model: ModelSource<'_>, mu: f64, options: Option<InferenceOptions>) -> AsyncTask<InferTask> {
    task(model, options, move |p| {
        to_json(histune_infer::hypotest(
            &p.model,
            &p.setup,
            test_stat(&p.options)?,
            mu,
            p.data.as_deref(),
        )?)
    })
}

/// Discovery significance (q0): p0, Z0 and the median expected Z0.
#[napi(ts_return_type = "Promise<DiscoveryReport>")]
pub fn infer_discovery(model: ModelSource<'_>, options: Option<InferenceOptions>) -> AsyncTask<InferTask> {
    task(model, options, |p| {
        to_json(histune_infer::discovery(&p.model, &p.setup, p.data.as_deref())?)
    })
}

/// A test statistic (q0, q, qtilde, tmu, tmu_tilde) at `mu`.
#[napi(ts_return_type = "Promise<TestStatisticReport>")]
pub fn infer_test_statistic(model: ModelSource<'_>, mu: f64, options: Option<InferenceOptions>) -> AsyncTask<InferTask> {
    task(model, options, move |p| {
        to_json(histune_infer::test_statistic(
            &p.model,
            &p.setup,
            test_stat(&p.options)?,
            mu,
            p.data.as_deref(),
        )?)
    })
}

/// `inferTestStatistic` on the calling thread, for tiny models (the tutorial's two fits take a few
/// µs; the hop to the libuv pool and back costs ten times that). Blocks the JS thread: larger
/// models belong on the async call.
#[napi(ts_return_type = "TestStatisticReport")]
pub fn infer_test_statistic_sync(model: ModelSource<'_>, mu: f64, options: Option<InferenceOptions>) -> napi::Result<JsonObject> {
    let options = options.unwrap_or_default();
    let source = Source::of(model);
    let value = crate::guarded(move || {
        let p = prepare(source, options)?;
        to_json(histune_infer::test_statistic(&p.model, &p.setup, test_stat(&p.options)?, mu, p.data.as_deref())?)
    })?;
    Ok(JsonObject(value))
}

/// Observed and expected upper limits on the POI.
#[napi(ts_return_type = "Promise<UpperLimitReport>")]
pub fn infer_upper_limit(model: ModelSource<'_>, options: Option<InferenceOptions>) -> AsyncTask<InferTask> {
    task(model, options, |p| {
        let defaults = UpperLimitOptions::default();
        let limit_options = UpperLimitOptions {
            cl: p.options.cl.unwrap_or(defaults.cl),
            rtol: p.options.rtol.unwrap_or(defaults.rtol),
            test_stat: test_stat(&p.options)?,
        };
        to_json(histune_infer::upper_limit(&p.model, &p.setup, &limit_options, p.data.as_deref())?)
    })
}

/// Profile-likelihood scan of one parameter over `points` values in [lo, hi].
#[napi(ts_return_type = "Promise<ProfileScanReport>")]
pub fn infer_profile_scan(
    model: ModelSource<'_>,
    parameter: String,
    lo: f64,
    hi: f64,
    points: u32,
    options: Option<InferenceOptions>,
) -> AsyncTask<InferTask> {
    task(model, options, move |p| {
        to_json(histune_infer::profile_scan(
            &p.model,
            &p.setup,
            &parameter,
            lo,
            hi,
            points as usize,
            p.data.as_deref(),
        )?)
    })
}

/// Impact ranking of the nuisance parameters on the POI.
#[napi(ts_return_type = "Promise<RankingReport>")]
pub fn infer_ranking(model: ModelSource<'_>, options: Option<InferenceOptions>) -> AsyncTask<InferTask> {
    task(model, options, |p| {
        to_json(histune_infer::rank_impacts(
            &p.model,
            &p.setup,
            p.options.top_n.map(|n| n as usize),
            p.data.as_deref(),
        )?)
    })
}

/// Pseudo-experiments at `mu` (q0: discovery p0 from μ = 0 toys).
#[napi(ts_return_type = "Promise<ToysReport>")]
pub fn infer_toys(model: ModelSource<'_>, mu: f64, options: Option<InferenceOptions>) -> AsyncTask<InferTask> {
    task(model, options, move |p| {
        let seed = p.options.seed.unwrap_or(0);
        if seed < 0 {
            return Err(EngineError::bad_request(format!(
                "the seed must be a non-negative integer, got {seed}"
            )));
        }
        let toy_options = ToyOptions {
            n_toys: p.options.n_toys.unwrap_or(1000) as usize,
            seed: seed as u64,
            test_stat: test_stat(&p.options)?,
        };
        to_json(histune_infer::toys(&p.model, &p.setup, mu, &toy_options, p.data.as_deref())?)
    })
}
