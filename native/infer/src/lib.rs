//! Statistical inference on a compiled HistFactory model, as pyhf 0.7.6 defines it: test
//! statistics (`teststat`), Asimov data (`asimov`), the asymptotic calculator for CLs and
//! discovery significance (`asymptotics`), upper limits (`limits`), profile-likelihood scans
//! (`scan`), nuisance-parameter impacts (`ranking`) and pseudo-experiments (`toys`).
//!
//! Every fit goes through `histune_engine::Fitter` (L-BFGS-B converged to the projected-gradient
//! tolerance), so results compare with pyhf run at tolerance 1e-14 rather than its default SLSQP.

pub mod asimov;
pub mod asymptotics;
pub mod diagnostics;
pub mod limits;
pub mod normal;
pub mod ranking;
pub mod rng;
pub mod roots;
pub mod scan;
pub mod setup;
pub mod teststat;
pub mod toys;

pub use asymptotics::{discovery, hypotest, AsymptoticCalculator, Discovery, Hypotest};
pub use diagnostics::{Diagnostics, FitSummary, Tracker};
pub use limits::{upper_limit, UpperLimit, UpperLimitOptions};
pub use ranking::{impact_fit_count, rank_impacts, rank_impacts_with, CpuImpacts, Impact, ImpactFit, ImpactFitter, Ranking};
pub use scan::{profile_scan, ProfileScan};
pub use setup::Setup;
pub use teststat::{test_statistic, TestStatistic, TestStatisticResult};
pub use toys::{toys, toys_with, CpuToys, ToyFitter, ToyGenerator, ToyOptions, ToyResult};

#[cfg(test)]
pub(crate) mod testing;
