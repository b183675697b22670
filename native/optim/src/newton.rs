//! Projected Newton for box constraints (Bertsekas 1982) with Levenberg–Marquardt damping, for
//! objectives whose exact Hessian is cheap.
//!
//! Each iteration splits the free parameters into those held at a bound (within ε of it, with the
//! gradient pushing outwards; they take a diagonally scaled gradient step that the projection
//! stops at the bound) and the rest, which take the Newton step of the Hessian restricted to them.
//! If that block is not positive definite, a multiple of its diagonal is added until Cholesky
//! succeeds. A projected Armijo search along the arc x(t) = P(x + t·d) follows, where steps whose
//! value change is below the objective's rounding are accepted when they shrink the projected
//! gradient. Convergence uses the same projected-gradient test as the L-BFGS-B minimiser; when it
//! cannot be met (no progress, a non-finite Hessian) the run stops with a non-converged status
//! so that the caller can fall back to L-BFGS-B from the best point.

use crate::{linalg, ConvergenceReason, Objective, Options, Status, Summary, F_GUARD};

/// An objective with value, gradient and Hessian.
pub trait HessianObjective: Objective {
    /// Returns `f(x)`, writes `∂f/∂x` into `grad` and `∂²f/∂x_i∂x_j` into `hess[i·n + j]`
    /// (full length, fixed parameters included; their rows are not used).
    fn value_gradient_hessian(&mut self, x: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64;
}

/// Newton iterations allowed per run; converging problems need a handful.
const MAX_NEWTON_ITERATIONS: usize = 100;
/// Iterations without a decrease of f or a halving of the projected gradient before giving up.
const PATIENCE: usize = 4;
const ARMIJO_C1: f64 = 1e-4;
const MAX_BACKTRACKS: usize = 40;

/// A projected Newton minimiser with a reusable workspace (no allocation after `new`).
pub struct Newton {
    n: usize,
    g: Vec<f64>,
    h: Vec<f64>,
    x_trial: Vec<f64>,
    g_trial: Vec<f64>,
    h_trial: Vec<f64>,
    dir: Vec<f64>,
    free: Vec<usize>,
    reduced: Vec<f64>,
    rhs: Vec<f64>,
    // Elimination of the loosely coupled parameters (see `direction`).
    in_sparse: Vec<bool>,
    position: Vec<usize>,
    sparse: Vec<usize>,
    dense: Vec<usize>,
    neighbours: Vec<(usize, f64)>,
    last_lambda: f64,
}

impl Newton {
    pub fn new(n: usize) -> Newton {
        Newton {
            n,
            g: vec![0.0; n],
            h: vec![0.0; n * n],
            x_trial: vec![0.0; n],
            g_trial: vec![0.0; n],
            h_trial: vec![0.0; n * n],
            dir: vec![0.0; n],
            free: Vec::with_capacity(n),
            reduced: vec![0.0; n * n],
            rhs: vec![0.0; n],
            in_sparse: vec![false; n],
            position: vec![usize::MAX; n],
            sparse: Vec::with_capacity(n),
            dense: Vec::with_capacity(n),
            neighbours: Vec::with_capacity(n),
            last_lambda: 0.0,
        }
    }

    /// Gradient at the point returned by the last run.
    pub fn gradient(&self) -> &[f64] {
        &self.g
    }

    /// Minimises from `x` (projected into the box; fixed entries and those with `lower == upper`
    /// are held) and leaves the best point in `x`. Uses `pgtol`, `pgtol_relative` and
    /// `max_evaluations` of `options`.
    pub fn minimize_in_place<O: HessianObjective>(
        &mut self,
        objective: &mut O,
        x: &mut [f64],
        lower: &[f64],
        upper: &[f64],
        fixed: &[bool],
        options: &Options,
    ) -> Summary {
        let n = self.n;
        assert!(
            x.len() == n && lower.len() == n && upper.len() == n && fixed.len() == n,
            "histune-optim::Newton: x, lower, upper and fixed must have the dimension given to new()"
        );
        let mut summary = Summary {
            f: f64::NAN,
            converged: false,
            iterations: 0,
            n_evals: 0,
            projected_grad_norm: f64::INFINITY,
            status: Status::InvalidInput,
        };
        let movable = |i: usize| !fixed[i] && lower[i] < upper[i];
        self.last_lambda = 0.0;
        for i in 0..n {
            if x[i].is_nan() || lower[i].is_nan() || upper[i].is_nan() || lower[i] > upper[i] {
                return summary;
            }
            if movable(i) {
                x[i] = x[i].clamp(lower[i], upper[i]);
            }
        }
        // The Hessian at the start only when the gradient test fails there (warm starts often pass).
        let mut f = objective.value_and_gradient(x, &mut self.g);
        summary.n_evals = 1;
        summary.f = f;
        if !f.is_finite() || (0..n).any(|i| movable(i) && !self.g[i].is_finite()) {
            summary.status = Status::NonFinite;
            return summary;
        }
        let f_start = f.abs();
        let tolerance = |f: f64| options.pgtol.max(options.pgtol_relative * f.abs().min(f_start));
        let max_iterations = options.max_iterations.min(MAX_NEWTON_ITERATIONS);
        let (mut stalled, mut best_pg) = (0, f64::INFINITY);
        loop {
            let pg = projected_gradient(x, &self.g, lower, upper, fixed);
            summary.projected_grad_norm = pg;
            if summary.iterations == 0 && pg > tolerance(f) {
                f = objective.value_gradient_hessian(x, &mut self.g, &mut self.h);
                summary.n_evals += 1;
            }
            if pg <= tolerance(f) {
                summary.status = Status::Converged(if (0..n).any(movable) {
                    ConvergenceReason::ProjectedGradient
                } else {
                    ConvergenceReason::NoFreeParameters
                });
                summary.converged = true;
                return summary;
            }
            if summary.iterations >= max_iterations {
                summary.status = Status::MaxIterations;
                return summary;
            }
            if summary.n_evals >= options.max_evaluations {
                summary.status = Status::MaxEvaluations;
                return summary;
            }
            if pg < 0.5 * best_pg {
                best_pg = pg;
                stalled = 0;
            }
            if !self.direction(x, lower, upper, fixed, pg) {
                summary.status = Status::LineSearchFailed;
                return summary;
            }
            // Projected Armijo search along the arc.
            let mut t = 1.0;
            let (mut accepted, mut progress) = (false, false);
            for _ in 0..MAX_BACKTRACKS {
                let mut predicted = 0.0;
                for i in 0..n {
                    self.x_trial[i] = if movable(i) {
                        (x[i] + t * self.dir[i]).clamp(lower[i], upper[i])
                    } else {
                        x[i]
                    };
                    predicted += self.g[i] * (self.x_trial[i] - x[i]);
                }
                let f_trial = objective.value_gradient_hessian(&self.x_trial, &mut self.g_trial, &mut self.h_trial);
                summary.n_evals += 1;
                let finite = f_trial.is_finite() && (0..n).all(|i| !movable(i) || self.g_trial[i].is_finite());
                if finite {
                    let decrease_ok = f_trial <= f + ARMIJO_C1 * predicted;
                    // Below rounding, f cannot rank the points; the gradient can.
                    let noise_ok = f_trial <= f + F_GUARD * f.abs().max(1.0)
                        && projected_gradient(&self.x_trial, &self.g_trial, lower, upper, fixed) < pg;
                    if decrease_ok || noise_ok {
                        accepted = true;
                        progress = f - f_trial > F_GUARD * f.abs().max(1.0);
                        x.copy_from_slice(&self.x_trial);
                        f = f_trial;
                        std::mem::swap(&mut self.g, &mut self.g_trial);
                        std::mem::swap(&mut self.h, &mut self.h_trial);
                        break;
                    }
                }
                t *= if finite { 0.5 } else { 0.1 };
            }
            summary.f = f;
            if !accepted {
                summary.status = Status::LineSearchFailed;
                return summary;
            }
            summary.iterations += 1;
            stalled = if progress { 0 } else { stalled + 1 };
            if stalled > PATIENCE {
                summary.status = Status::LineSearchFailed;
                return summary;
            }
        }
    }

    /// Fills `dir`: Newton on the inactive free parameters, scaled gradient on the ε-active ones.
    /// False when no descent direction could be formed.
    fn direction(&mut self, x: &[f64], lower: &[f64], upper: &[f64], fixed: &[bool], pg: f64) -> bool {
        let n = self.n;
        let eps = pg.min(1e-3);
        self.free.clear();
        for i in 0..n {
            self.dir[i] = 0.0;
            if fixed[i] || lower[i] >= upper[i] {
                continue;
            }
            let gi = self.g[i];
            let at_lower = x[i] - lower[i] <= eps && gi > 0.0;
            let at_upper = upper[i] - x[i] <= eps && gi < 0.0;
            if at_lower || at_upper {
                let hii = self.h[i * n + i];
                let scale = if hii > 0.0 && hii.is_finite() { hii } else { 1.0 };
                self.dir[i] = -gi / scale;
            } else {
                self.free.push(i);
            }
        }
        let nf = self.free.len();
        if nf == 0 {
            return true;
        }
        let mut max_diag: f64 = 0.0;
        for &i in &self.free {
            let d = self.h[i * n + i];
            if !d.is_finite() {
                return false;
            }
            max_diag = max_diag.max(d.abs());
        }
        self.split_sparse();
        let floor = 1e-12 * max_diag.max(f64::MIN_POSITIVE);
        // Undamped first; once damping was needed, restart a decade below the last working λ.
        let mut lambda = 0.0;
        for _ in 0..20 {
            if self.solve_damped(lambda, floor) {
                self.last_lambda = lambda;
                return true;
            }
            lambda = if lambda == 0.0 { (0.1 * self.last_lambda).max(1e-6) } else { lambda * 10.0 };
        }
        false
    }

    /// Splits the free parameters into `sparse` ones, coupled to no other sparse one and to few
    /// parameters at all (per-bin γ factors: one bin each), and the `dense` rest. The sparse block
    /// of the Hessian is then diagonal and is eliminated exactly (Schur complement), so a model
    /// with hundreds of γ costs a Cholesky of its few sample-wide parameters only.
    fn split_sparse(&mut self) {
        let n = self.n;
        let nf = self.free.len();
        let limit = (nf / 4).max(1);
        self.sparse.clear();
        self.dense.clear();
        for &i in &self.free {
            self.in_sparse[i] = false;
        }
        for &i in &self.free {
            let row = &self.h[i * n..(i + 1) * n];
            let mut eligible = row[i] > 0.0;
            let mut count = 0;
            if eligible {
                for &j in &self.free {
                    if j != i && row[j] != 0.0 {
                        count += 1;
                        if self.in_sparse[j] || count > limit {
                            eligible = false;
                            break;
                        }
                    }
                }
            }
            if eligible {
                self.in_sparse[i] = true;
                self.sparse.push(i);
            } else {
                self.dense.push(i);
            }
        }
        for (a, &i) in self.dense.iter().enumerate() {
            self.position[i] = a;
        }
    }

    /// Solves (H + λ·diag) d = −g on the free parameters into `dir`; false if not positive definite.
    fn solve_damped(&mut self, lambda: f64, floor: f64) -> bool {
        let n = self.n;
        let nd = self.dense.len();
        let damped = |h: f64| h + lambda * h.abs().max(floor);
        for (a, &i) in self.dense.iter().enumerate() {
            for (b, &j) in self.dense.iter().enumerate().take(a + 1) {
                self.reduced[a * nd + b] = self.h[i * n + j];
            }
            self.reduced[a * nd + a] = damped(self.h[i * n + i]);
            self.rhs[a] = -self.g[i];
        }
        // Eliminate each sparse parameter s: S −= H_Ds H_sD / h_s, rhs −= H_Ds (−g_s) / h_s.
        for &s in &self.sparse {
            let hss = damped(self.h[s * n + s]);
            if !(hss > 0.0) || !hss.is_finite() {
                return false;
            }
            self.neighbours.clear();
            let row = &self.h[s * n..(s + 1) * n];
            for &j in &self.dense {
                if row[j] != 0.0 {
                    self.neighbours.push((self.position[j], row[j]));
                }
            }
            let gs = self.g[s] / hss;
            for (k, &(a, ha)) in self.neighbours.iter().enumerate() {
                self.rhs[a] += ha * gs;
                for &(b, hb) in &self.neighbours[..=k] {
                    let (r, c) = if a >= b { (a, b) } else { (b, a) };
                    self.reduced[r * nd + c] -= ha * hb / hss;
                }
            }
        }
        if nd > 0 {
            if linalg::cholesky(&mut self.reduced[..nd * nd], nd).is_err() {
                return false;
            }
            linalg::cholesky_solve(&self.reduced[..nd * nd], nd, &mut self.rhs[..nd]);
        }
        for (a, &i) in self.dense.iter().enumerate() {
            if !self.rhs[a].is_finite() {
                return false;
            }
            self.dir[i] = self.rhs[a];
        }
        for &s in &self.sparse {
            let row = &self.h[s * n..(s + 1) * n];
            let mut r = -self.g[s];
            for &j in &self.dense {
                if row[j] != 0.0 {
                    r -= row[j] * self.dir[j];
                }
            }
            let d = r / damped(row[s]);
            if !d.is_finite() {
                return false;
            }
            self.dir[s] = d;
        }
        true
    }
}

/// `‖P(x − g) − x‖∞` over the movable parameters.
fn projected_gradient(x: &[f64], g: &[f64], lower: &[f64], upper: &[f64], fixed: &[bool]) -> f64 {
    let mut norm: f64 = 0.0;
    for i in 0..x.len() {
        if fixed[i] || lower[i] >= upper[i] {
            continue;
        }
        let p = if g[i] < 0.0 { (upper[i] - x[i]).min(-g[i]) } else { (x[i] - lower[i]).min(g[i]) };
        norm = norm.max(p);
    }
    norm
}
