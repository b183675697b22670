//! A compiled model as both back ends need it: the engine's `Model` (CPU path, reference) and its
//! flat layout (GPU path), built from the same workspace.

use histune_engine::{parse_workspace, Dataset, EngineError, Model, ModelOptions, Workspace};

use crate::flat::FlatModel;

pub struct BatchModel {
    pub model: Model,
    pub flat: FlatModel,
}

impl BatchModel {
    pub fn compile(ws: &Workspace, options: ModelOptions) -> Result<BatchModel, EngineError> {
        let model = Model::compile(ws, options)?;
        let flat = FlatModel::new(ws, &model)?;
        Ok(BatchModel { model, flat })
    }

    pub fn from_text(text: &str, options: ModelOptions) -> Result<BatchModel, EngineError> {
        BatchModel::compile(&parse_workspace(text)?, options)
    }

    pub fn n_pars(&self) -> usize {
        self.model.n_pars()
    }

    /// Main bins × samples, the planner's measure of model size.
    pub fn n_sample_bins(&self) -> usize {
        self.flat.n_sample_bins()
    }

    /// The observed dataset.
    pub fn observed(&self) -> &Dataset {
        self.model.observed()
    }
}
