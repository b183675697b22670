//! Parameter sets: what each modifier type asks of its parameter (pyhf's `required_parset`) and the
//! final, user-configured set that the model and the summary use.

use crate::spec::ModifierType;

/// pyhf distinguishes a property a modifier does not use ("undefined") from one it needs but has no
/// default for (lumi's `None`, which the measurement must supply).
#[derive(Debug, Clone, PartialEq)]
pub enum Setting<T> {
    Undefined,
    Missing,
    Value(T),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    Unconstrained,
    Normal,
    Poisson,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FixedDefault {
    All(bool),
    PerComponent(Vec<bool>),
}

/// A modifier's request for a parameter set. Two modifiers sharing a name must ask for equal sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub constraint: ConstraintKind,
    pub n: usize,
    pub is_scalar: bool,
    pub inits: Setting<Vec<f64>>,
    pub bounds: Setting<Vec<(f64, f64)>>,
    pub fixed: FixedDefault,
    pub auxdata: Setting<Vec<f64>>,
    pub factors: Setting<Vec<f64>>,
    pub sigmas: Setting<Vec<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    None,
    /// Gauss(auxdata | θ, σ).
    Normal {
        auxdata: Vec<f64>,
        sigmas: Vec<f64>,
    },
    /// Pois(auxdata | γ·factor).
    Poisson {
        auxdata: Vec<f64>,
        factors: Vec<f64>,
    },
}

impl Constraint {
    pub fn kind_name(&self) -> Option<&'static str> {
        match self {
            Constraint::None => None,
            Constraint::Normal { .. } => Some("normal"),
            Constraint::Poisson { .. } => Some("poisson"),
        }
    }

    pub fn auxdata(&self) -> &[f64] {
        match self {
            Constraint::None => &[],
            Constraint::Normal { auxdata, .. } | Constraint::Poisson { auxdata, .. } => auxdata,
        }
    }
}

/// One named parameter set, laid out at `offset..offset + n` of the parameter vector.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSet {
    pub name: String,
    pub modifier_type: ModifierType,
    pub offset: usize,
    pub n: usize,
    pub is_scalar: bool,
    pub inits: Vec<f64>,
    pub bounds: Vec<(f64, f64)>,
    pub fixed: Vec<bool>,
    pub constraint: Constraint,
}

impl ParameterSet {
    /// Names of the components as pyhf prints them: `name` for scalars, `name[i]` otherwise.
    pub fn component_names(&self) -> Vec<String> {
        if self.is_scalar {
            vec![self.name.clone()]
        } else {
            (0..self.n).map(|i| format!("{}[{}]", self.name, i)).collect()
        }
    }
}
