//! Bounded quasi-Newton minimisation for Histune fits.
//!
//! This crate implements L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995, with the
//! Morales–Nocedal 2011 subspace refinement) from scratch, with no
//! dependencies:
//!
//! * box constraints `lower ≤ x ≤ upper` (either side may be infinite) are
//!   handled exactly: each iteration computes the generalised Cauchy point
//!   along the projected-gradient path of the limited-memory quadratic model,
//!   minimises the model over the variables that are free there, and runs a
//!   strong-Wolfe line search that never leaves the box;
//! * parameters can be held fixed with a `fixed` mask (they keep their `x0`
//!   value, and are removed from the problem);
//! * non-finite objective values are treated as "step too long";
//! * convergence is declared on the projected-gradient norm or on a stalled
//!   relative function decrease, and [`Minimum::converged`] is `false` when
//!   the run stopped for any other reason (iteration or evaluation budget,
//!   line search failing even after a memory reset, non-finite start);
//! * when the quasi-Newton phase stalls at rounding level before the gradient
//!   test is met, a projected Newton "polish" (finite-difference Hessian of
//!   the analytic gradient on the free variables) finishes the job;
//! * diagonal variable scaling ([`Scaling`], by default estimated from the
//!   curvature at the start) makes badly scaled problems — the norm in
//!   HistFactory fits — converge in a fraction of the iterations.
//!
//! [`minimize`] is the one-shot entry point; [`Minimizer`] keeps its
//! workspace between calls so that repeated fits do not allocate.
//!
//! For objectives with a cheap exact Hessian ([`HessianObjective`]),
//! [`Newton`] is a projected Newton method for the same box-constrained
//! problems (ε-active bound set, Levenberg damping, loosely coupled parameters
//! eliminated by a Schur complement) with the same convergence test; it
//! reports a non-converged status rather than guessing, so that a caller can
//! continue with L-BFGS-B from its best point.
//! [`hessian`] and [`invert_spd`] give the curvature and covariance at the
//! minimum.
//!
//! ```
//! use histune_optim::{minimize, Options};
//! // f(x, y) = (x - 2)^2 + (y + 1)^2 with y >= 0: minimum at (2, 0).
//! let mut f = |x: &[f64], g: &mut [f64]| {
//!     g[0] = 2.0 * (x[0] - 2.0);
//!     g[1] = 2.0 * (x[1] + 1.0);
//!     (x[0] - 2.0).powi(2) + (x[1] + 1.0).powi(2)
//! };
//! let inf = f64::INFINITY;
//! let m = minimize(&mut f, &[0.0, 1.0], &[-inf, 0.0], &[inf, inf], &[false, false], &Options::default());
//! assert!(m.converged);
//! assert!((m.x[0] - 2.0).abs() < 1e-12 && m.x[1] == 0.0);
//! ```

// `!(a > b)` is used on purpose throughout: it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Index loops over several parallel slices read better than zipped iterators.
#![allow(clippy::needless_range_loop)]

mod hessian;
mod linalg;
mod linesearch;
mod newton;

pub use hessian::{hessian, invert_spd, invert_spd_masked};
pub use newton::{HessianObjective, Newton};

use linalg::dot;

/// A differentiable objective function.
///
/// `value_and_gradient` must return `f(x)` and write `∂f/∂x` into `grad`
/// (same length as `x`, including fixed parameters, whose entries are not used
/// by the minimiser but are reported back in [`Minimum::grad`]). Returning a
/// NaN or infinite value (or gradient entry of a free parameter) marks `x` as
/// outside the domain; the minimiser then backs off.
pub trait Objective {
    fn value_and_gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64;
}

impl<F: FnMut(&[f64], &mut [f64]) -> f64> Objective for F {
    #[inline]
    fn value_and_gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self(x, grad)
    }
}

/// Settings of the minimiser. The defaults aim at the true minimum to high
/// precision; see each field.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Maximum number of accepted quasi-Newton steps (default 1000).
    pub max_iterations: usize,
    /// Number of correction pairs kept in the L-BFGS memory (default 10).
    pub memory: usize,
    /// Absolute tolerance on the infinity norm of the projected gradient
    /// (default 1e-9). The test used is
    /// `‖P(x − g) − x‖∞ ≤ max(pgtol, pgtol_relative·min(|f|, |f(x0)|))`, so
    /// that objectives of large magnitude (whose gradient carries rounding
    /// error ∝ |f|) are not held to an unreachable absolute standard.
    pub pgtol: f64,
    /// Relative part of the projected-gradient tolerance (default 1e-14,
    /// about 45 ulps of `f`).
    pub pgtol_relative: f64,
    /// Stop when the relative decrease `(f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|)`
    /// is at most `ftol` for [`ftol_iterations`](Self::ftol_iterations)
    /// consecutive iterations (default 1e-15, i.e. a few ulps: no measurable
    /// progress left) **and** the projected gradient has not halved during
    /// the last 30 iterations: once f is flat to rounding, the line search
    /// still makes progress on slope information alone.
    pub ftol: f64,
    /// Number of consecutive stalled iterations required by `ftol` (default 3).
    pub ftol_iterations: usize,
    /// Maximum number of objective evaluations, line searches and polish
    /// included (default 20000).
    pub max_evaluations: usize,
    /// Maximum evaluations in one line search (default 30).
    pub max_line_search_evaluations: usize,
    /// Sufficient-decrease constant of the Wolfe conditions (default 1e-4).
    pub wolfe_c1: f64,
    /// Curvature constant of the strong Wolfe conditions (default 0.9).
    pub wolfe_c2: f64,
    /// Projected Newton "polish" steps (central-difference Hessian of the
    /// gradient on the variables not held at a bound, `2·n_free` evaluations
    /// and an `n_free`² matrix each) taken when the quasi-Newton phase stops
    /// without meeting the projected-gradient test, i.e. on
    /// `FunctionTolerance` (typical of ill-conditioned problems, where
    /// L-BFGS progress drops below rounding before the gradient is small) or
    /// `LineSearchFailed`. A step is kept only if the projected gradient
    /// shrinks and `f` does not rise by more than `1e-10·max(1, |f|, |f(x0)|)`
    /// (likelihoods summed over many terms are that noisy near the minimum,
    /// while their analytic gradient is not); if the gradient test is
    /// then met the status becomes `Converged(ProjectedGradient)`. Default 2;
    /// 0 disables polishing.
    pub polish_steps: usize,
    /// Variable scaling (diagonal preconditioning), see [`Scaling`]. Default
    /// [`Scaling::AutoDiagonal`] (one extra evaluation per free parameter;
    /// use [`Scaling::Manual`] to reuse scales across many similar fits, or
    /// [`Scaling::None`] for plain L-BFGS-B).
    pub scaling: Scaling,
    /// Also polish after a run that met the gradient test (default false):
    /// costs `2·n_free` evaluations per step, gains digits in `x`.
    pub always_polish: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_iterations: 1000,
            memory: 10,
            pgtol: 1e-9,
            pgtol_relative: 1e-14,
            ftol: 1e-15,
            ftol_iterations: 3,
            max_evaluations: 20_000,
            max_line_search_evaluations: 30,
            wolfe_c1: 1e-4,
            wolfe_c2: 0.9,
            polish_steps: 2,
            always_polish: false,
            scaling: Scaling::AutoDiagonal,
        }
    }
}

/// Diagonal variable scaling. The minimiser works on `z_i = x_i / s_i`, so a
/// good `s_i` is the parameter's expected uncertainty (`1/√H_ii`). L-BFGS-B's
/// initial Hessian is a multiple of the identity, so problems whose
/// curvatures differ by orders of magnitude (e.g. tightly constrained
/// gamma factors next to a weakly constrained signal strength) converge in
/// far fewer iterations when scaled.
///
/// Scaling changes the path, not the answer: the projected-gradient test and
/// [`Minimum::projected_grad_norm`] are always in the user's units (`∂f/∂x`),
/// and bounds that are active at the minimum are hit exactly.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Scaling {
    #[default]
    None,
    /// User scales, one per parameter (entries of fixed parameters are
    /// ignored); each must be positive and finite, else the run returns
    /// [`Status::InvalidInput`].
    Manual(Vec<f64>),
    /// `s_i = 1/√H_ii` from a forward difference of the gradient at the
    /// (projected) starting point, costing one evaluation per free parameter;
    /// `s_i = 1` where that curvature is not positive. Clamped to
    /// `[1e-8, 1e8]`.
    AutoDiagonal,
}

/// Which convergence test was met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvergenceReason {
    /// Projected-gradient norm below tolerance.
    ProjectedGradient,
    /// Relative function decrease below `ftol` for several iterations.
    FunctionTolerance,
    /// Every parameter is fixed (or has `lower == upper`); nothing to do.
    NoFreeParameters,
}

/// Why the minimiser stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Converged(ConvergenceReason),
    /// `max_iterations` reached before convergence.
    MaxIterations,
    /// `max_evaluations` reached before convergence.
    MaxEvaluations,
    /// The line search failed along the quasi-Newton direction and again along
    /// the steepest-descent direction after a memory reset (or no descent
    /// direction could be formed).
    LineSearchFailed,
    /// The objective (or gradient) is not finite at the starting point.
    NonFinite,
    /// Inconsistent input: NaN in `x0` or bounds, or `lower > upper`.
    InvalidInput,
}

impl Status {
    pub fn is_converged(&self) -> bool {
        matches!(self, Status::Converged(_))
    }
}

/// Result of [`minimize`] / [`Minimizer::minimize`].
#[derive(Clone, Debug)]
pub struct Minimum {
    /// Best point found (full length, fixed parameters at their `x0` value).
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub f: f64,
    /// Gradient at `x` (full length, as returned by the objective).
    pub grad: Vec<f64>,
    /// `true` iff `status` is [`Status::Converged`].
    pub converged: bool,
    /// Accepted quasi-Newton steps.
    pub iterations: usize,
    /// Objective evaluations.
    pub n_evals: usize,
    /// `‖P(x − g) − x‖∞` over the free parameters at `x`.
    pub projected_grad_norm: f64,
    pub status: Status,
}

/// See [`Options::ftol`].
const GRADIENT_PATIENCE: usize = 30;

/// Relative size of changes in f treated as invisible under the objective's
/// rounding noise (see the `linesearch` module); also the most f may rise in
/// a polish step.
const F_GUARD: f64 = 1e-10;

/// The scalar settings, copied out of [`Options`] for the duration of a run
/// (cloning `Options` could allocate).
#[derive(Clone, Copy)]
struct RunParams {
    max_iterations: usize,
    pgtol: f64,
    pgtol_relative: f64,
    ftol: f64,
    ftol_iterations: usize,
    max_evaluations: usize,
    max_line_search_evaluations: usize,
    wolfe_c1: f64,
    wolfe_c2: f64,
    polish_steps: usize,
    always_polish: bool,
}

impl From<&Options> for RunParams {
    fn from(o: &Options) -> Self {
        RunParams {
            max_iterations: o.max_iterations,
            pgtol: o.pgtol,
            pgtol_relative: o.pgtol_relative,
            ftol: o.ftol,
            ftol_iterations: o.ftol_iterations,
            max_evaluations: o.max_evaluations,
            max_line_search_evaluations: o.max_line_search_evaluations,
            wolfe_c1: o.wolfe_c1,
            wolfe_c2: o.wolfe_c2,
            polish_steps: o.polish_steps,
            always_polish: o.always_polish,
        }
    }
}

/// Allocation-free summary returned by [`Minimizer::minimize_in_place`].
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub f: f64,
    pub converged: bool,
    pub iterations: usize,
    pub n_evals: usize,
    pub projected_grad_norm: f64,
    pub status: Status,
}

/// Minimises `objective` over the box `[lower, upper]` starting from `x0`.
///
/// * `x0` is projected into the box (fixed parameters keep `x0` exactly,
///   even outside their bounds).
/// * `fixed[i] == true` removes parameter `i` from the problem; parameters
///   with `lower[i] == upper[i]` are treated the same way.
/// * All slices must have the same length (panics otherwise).
///
/// Convenience wrapper around [`Minimizer`].
pub fn minimize<O: Objective>(
    objective: &mut O,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    fixed: &[bool],
    options: &Options,
) -> Minimum {
    Minimizer::new(x0.len(), options.clone()).minimize(objective, x0, lower, upper, fixed)
}

/// L-BFGS-B minimiser with a reusable workspace.
///
/// After the first call for a given dimension, [`minimize_in_place`](Self::minimize_in_place)
/// performs no heap allocation (unless `polish_steps > 0` and the Hessian
/// buffer must grow); [`minimize`](Self::minimize) allocates only the two
/// vectors of the returned [`Minimum`].
pub struct Minimizer {
    options: Options,
    n: usize,
    m: usize,
    // Full-length buffers.
    xfull: Vec<f64>,
    gfull: Vec<f64>,
    gcur_full: Vec<f64>,
    scale_full: Vec<f64>,
    map: Vec<usize>,
    // Reduced (free-variable) buffers, length n, first `nf` used. The
    // minimiser works on z = x / scale; lox/hix are the bounds in x.
    scale: Vec<f64>,
    lox: Vec<f64>,
    hix: Vec<f64>,
    x: Vec<f64>,
    g: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    xc: Vec<f64>,
    dcp: Vec<f64>,
    dir: Vec<f64>,
    xt: Vec<f64>,
    gt: Vec<f64>,
    r: Vec<f64>,
    free: Vec<usize>,
    breaks: Vec<(f64, usize)>,
    // Limited memory: pair j (logical, oldest first) lives in slot (start+j)%m
    // of s_mem / y_mem (stride n). sy[i*m+j] = s_i·y_j, ss[i*m+j] = s_i·s_j.
    s_mem: Vec<f64>,
    y_mem: Vec<f64>,
    sy: Vec<f64>,
    ss: Vec<f64>,
    yy: Vec<f64>,
    k: usize,
    start: usize,
    theta: f64,
    // Middle matrix K = M⁻¹ = [[-D, Lᵀ], [L, θ SᵀS]] (LU factors) and scratch.
    kmat: Vec<f64>,
    kpiv: Vec<usize>,
    kmat2: Vec<f64>,
    kpiv2: Vec<usize>,
    p: Vec<f64>,
    c: Vec<f64>,
    wb: Vec<f64>,
    mw: Vec<f64>,
    v: Vec<f64>,
    // Polish.
    hbuf: Vec<f64>,
    gp: Vec<f64>,
    gm: Vec<f64>,
    n_evals: usize,
}

struct Eval<'a, O: Objective> {
    obj: &'a mut O,
    map: &'a [usize],
    scale: &'a [f64],
    lox: &'a [f64],
    hix: &'a [f64],
    xfull: &'a mut [f64],
    gfull: &'a mut [f64],
    n_evals: &'a mut usize,
}

impl<O: Objective> Eval<'_, O> {
    /// Evaluates at the reduced point `xr`; returns `None` if `f` or a free
    /// gradient entry is not finite.
    fn eval(&mut self, xr: &[f64], gr: &mut [f64]) -> Option<f64> {
        for (j, &i) in self.map.iter().enumerate() {
            // Clamped so that rounding in z·s never leaves the user's box.
            self.xfull[i] = (xr[j] * self.scale[j]).clamp(self.lox[j], self.hix[j]);
        }
        let f = self.obj.value_and_gradient(self.xfull, self.gfull);
        *self.n_evals += 1;
        let mut ok = f.is_finite();
        for (j, &i) in self.map.iter().enumerate() {
            let gi = self.gfull[i] * self.scale[j];
            ok &= gi.is_finite();
            gr[j] = gi;
        }
        ok.then_some(f)
    }
}

/// `‖P(x − g) − x‖∞` over the reduced variables, in the user's units: the
/// solver works on z = x/s with ∂f/∂z = s ∂f/∂x, so per component this is
/// `min(s·(distance to bound in z), |∂f/∂z|/s)`.
fn projected_grad_norm(x: &[f64], g: &[f64], lo: &[f64], hi: &[f64], scale: &[f64]) -> f64 {
    let mut norm: f64 = 0.0;
    for i in 0..x.len() {
        let (gi, s) = (g[i], scale[i]);
        let pi = if gi < 0.0 {
            (s * (hi[i] - x[i])).min(-gi / s)
        } else {
            (s * (x[i] - lo[i])).min(gi / s)
        };
        norm = norm.max(pi);
    }
    norm
}

/// `x + t·d`, clipped to the box, landing exactly on a bound once `t` reaches
/// that component's breakpoint.
#[inline]
fn step_point(x: &[f64], d: &[f64], lo: &[f64], hi: &[f64], t: f64, out: &mut [f64]) {
    for i in 0..x.len() {
        let di = d[i];
        out[i] = if di > 0.0 {
            if t >= (hi[i] - x[i]) / di {
                hi[i]
            } else {
                (x[i] + t * di).min(hi[i])
            }
        } else if di < 0.0 {
            if t >= (lo[i] - x[i]) / di {
                lo[i]
            } else {
                (x[i] + t * di).max(lo[i])
            }
        } else {
            x[i]
        };
    }
}

/// Largest `t` keeping `x + t·d` inside the box.
fn max_step(x: &[f64], d: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    let mut t = f64::INFINITY;
    for i in 0..x.len() {
        if d[i] > 0.0 {
            t = t.min((hi[i] - x[i]) / d[i]);
        } else if d[i] < 0.0 {
            t = t.min((lo[i] - x[i]) / d[i]);
        }
    }
    t
}

impl Minimizer {
    /// Creates a minimiser with workspace for `n` parameters. Calls with a
    /// different dimension are allowed and re-size the workspace.
    pub fn new(n: usize, options: Options) -> Self {
        let mut s = Minimizer {
            options,
            n: 0,
            m: 0,
            xfull: Vec::new(),
            gfull: Vec::new(),
            gcur_full: Vec::new(),
            scale_full: Vec::new(),
            map: Vec::new(),
            scale: Vec::new(),
            lox: Vec::new(),
            hix: Vec::new(),
            x: Vec::new(),
            g: Vec::new(),
            lo: Vec::new(),
            hi: Vec::new(),
            xc: Vec::new(),
            dcp: Vec::new(),
            dir: Vec::new(),
            xt: Vec::new(),
            gt: Vec::new(),
            r: Vec::new(),
            free: Vec::new(),
            breaks: Vec::new(),
            s_mem: Vec::new(),
            y_mem: Vec::new(),
            sy: Vec::new(),
            ss: Vec::new(),
            yy: Vec::new(),
            k: 0,
            start: 0,
            theta: 1.0,
            kmat: Vec::new(),
            kpiv: Vec::new(),
            kmat2: Vec::new(),
            kpiv2: Vec::new(),
            p: Vec::new(),
            c: Vec::new(),
            wb: Vec::new(),
            mw: Vec::new(),
            v: Vec::new(),
            hbuf: Vec::new(),
            gp: Vec::new(),
            gm: Vec::new(),
            n_evals: 0,
        };
        s.resize(n);
        s
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Replaces the options (the workspace is kept, re-sized if `memory` changed).
    pub fn set_options(&mut self, options: Options) {
        self.options = options;
        let n = self.n;
        self.resize(n);
    }

    fn resize(&mut self, n: usize) {
        let m = self.options.memory.max(1);
        if n == self.n && m == self.m {
            return;
        }
        self.n = n;
        self.m = m;
        for v in [
            &mut self.xfull,
            &mut self.gfull,
            &mut self.gcur_full,
            &mut self.scale_full,
            &mut self.scale,
            &mut self.lox,
            &mut self.hix,
            &mut self.x,
            &mut self.g,
            &mut self.lo,
            &mut self.hi,
            &mut self.xc,
            &mut self.dcp,
            &mut self.dir,
            &mut self.xt,
            &mut self.gt,
            &mut self.r,
            &mut self.gp,
            &mut self.gm,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        self.map = Vec::with_capacity(n);
        self.free = Vec::with_capacity(n);
        self.breaks = Vec::with_capacity(n);
        self.s_mem = vec![0.0; n * m];
        self.y_mem = vec![0.0; n * m];
        self.sy = vec![0.0; m * m];
        self.ss = vec![0.0; m * m];
        self.yy = vec![0.0; m * m];
        self.kmat = vec![0.0; 4 * m * m];
        self.kmat2 = vec![0.0; 4 * m * m];
        self.kpiv = vec![0; 2 * m];
        self.kpiv2 = vec![0; 2 * m];
        for v in [
            &mut self.p,
            &mut self.c,
            &mut self.wb,
            &mut self.mw,
            &mut self.v,
        ] {
            *v = vec![0.0; 2 * m];
        }
    }

    /// Full-length gradient at the point returned by the last call.
    pub fn gradient(&self) -> &[f64] {
        &self.gcur_full
    }

    /// Full-length variable scales used by the last call (1 for fixed
    /// parameters and without scaling). Passing them back as
    /// [`Scaling::Manual`] saves [`Scaling::AutoDiagonal`]'s `n` evaluations
    /// in a series of similar fits (scans, toys, the fits of one hypothesis
    /// test).
    pub fn scales(&self) -> &[f64] {
        &self.scale_full
    }

    /// See the free function [`crate::minimize`].
    pub fn minimize<O: Objective>(
        &mut self,
        objective: &mut O,
        x0: &[f64],
        lower: &[f64],
        upper: &[f64],
        fixed: &[bool],
    ) -> Minimum {
        let mut x = x0.to_vec();
        let s = self.minimize_in_place(objective, &mut x, lower, upper, fixed);
        Minimum {
            x,
            f: s.f,
            grad: self.gcur_full.clone(),
            converged: s.converged,
            iterations: s.iterations,
            n_evals: s.n_evals,
            projected_grad_norm: s.projected_grad_norm,
            status: s.status,
        }
    }

    /// Like [`minimize`](Self::minimize), but `x` holds the starting point on
    /// entry and the result on exit; the gradient is available from
    /// [`gradient`](Self::gradient). Allocation-free after the first call.
    pub fn minimize_in_place<O: Objective>(
        &mut self,
        objective: &mut O,
        x: &mut [f64],
        lower: &[f64],
        upper: &[f64],
        fixed: &[bool],
    ) -> Summary {
        let n = x.len();
        assert!(
            lower.len() == n && upper.len() == n && fixed.len() == n,
            "histune-optim: x0, lower, upper and fixed must have the same length"
        );
        self.resize(n);
        self.n_evals = 0;
        let mut summary = Summary {
            f: f64::NAN,
            converged: false,
            iterations: 0,
            n_evals: 0,
            projected_grad_norm: f64::NAN,
            status: Status::InvalidInput,
        };
        self.gcur_full.iter_mut().for_each(|v| *v = f64::NAN);

        // Reduce the problem to the free variables.
        self.map.clear();
        for i in 0..n {
            let (l, u) = (lower[i], upper[i]);
            if l.is_nan() || u.is_nan() || l > u || x[i].is_nan() {
                return summary;
            }
            if !fixed[i] {
                if l == u {
                    x[i] = l;
                } else {
                    x[i] = x[i].clamp(l, u);
                    self.map.push(i);
                }
            }
        }
        self.xfull.copy_from_slice(x);
        let nf = self.map.len();
        for (j, &i) in self.map.iter().enumerate() {
            self.x[j] = x[i];
            self.lo[j] = lower[i];
            self.hi[j] = upper[i];
            self.lox[j] = lower[i];
            self.hix[j] = upper[i];
            self.scale[j] = 1.0;
        }
        if let Scaling::Manual(sc) = &self.options.scaling {
            if sc.len() != n {
                return summary;
            }
            for (j, &i) in self.map.iter().enumerate() {
                if !(sc[i] > 0.0 && sc[i].is_finite()) {
                    return summary;
                }
                self.scale[j] = sc[i];
            }
        }

        let status = self.run(objective, nf, &mut summary);
        summary.status = status;
        summary.converged = status.is_converged();
        summary.n_evals = self.n_evals;
        self.scale_full.iter_mut().for_each(|v| *v = 1.0);
        for (j, &i) in self.map.iter().enumerate() {
            self.scale_full[i] = self.scale[j];
        }
        for (j, &i) in self.map.iter().enumerate() {
            let z = self.x[j];
            x[i] = if z == self.lo[j] {
                lower[i]
            } else if z == self.hi[j] {
                upper[i]
            } else {
                (z * self.scale[j]).clamp(lower[i], upper[i])
            };
        }
        summary
    }

    /// Evaluates at the reduced point `self.x` (`which = false`) or
    /// `self.xt` (`which = true`), writing the reduced gradient to `g` / `gt`.
    fn eval_at<O: Objective>(&mut self, objective: &mut O, nf: usize, which: bool) -> Option<f64> {
        let Minimizer {
            map,
            scale,
            lox,
            hix,
            xfull,
            gfull,
            n_evals,
            x,
            g,
            xt,
            gt,
            ..
        } = self;
        let mut ev = Eval {
            obj: objective,
            map,
            scale,
            lox,
            hix,
            xfull,
            gfull,
            n_evals,
        };
        if which {
            ev.eval(&xt[..nf], &mut gt[..nf])
        } else {
            ev.eval(&x[..nf], &mut g[..nf])
        }
    }

    /// Moves the reduced problem to z = x / scale.
    fn apply_scale(&mut self, nf: usize) {
        for j in 0..nf {
            let s = self.scale[j];
            if s != 1.0 {
                self.x[j] /= s;
                self.lo[j] /= s;
                self.hi[j] /= s;
                self.g[j] *= s;
                self.x[j] = self.x[j].clamp(self.lo[j], self.hi[j]);
            }
        }
    }

    /// Diagonal curvature at `x` by forward differences (one evaluation per
    /// free variable, stepping into the box) → `scale = 1/√H_jj`.
    fn auto_scale<O: Objective>(&mut self, objective: &mut O, nf: usize) {
        self.xt[..nf].copy_from_slice(&self.x[..nf]);
        for j in 0..nf {
            let xj = self.x[j];
            let h = f64::EPSILON.cbrt() * xj.abs().max(1.0);
            let (up, dn) = (self.hi[j] - xj, xj - self.lo[j]);
            let step = if up >= h {
                h
            } else if dn >= h {
                -h
            } else if up >= dn {
                0.5 * up
            } else {
                -0.5 * dn
            };
            let xp = xj + step;
            let step = xp - xj;
            let mut s = 1.0;
            if step != 0.0 {
                self.xt[j] = xp;
                if self.eval_at(objective, nf, true).is_some() {
                    let d = (self.gt[j] - self.g[j]) / step;
                    if d > 0.0 && d.is_finite() {
                        s = (1.0 / d.sqrt()).clamp(1e-8, 1e8);
                    }
                }
                self.xt[j] = xj;
            }
            // Not into `scale` yet: evaluations must still see scale = 1.
            self.gp[j] = s;
        }
        self.scale[..nf].copy_from_slice(&self.gp[..nf]);
    }

    fn reset_memory(&mut self) {
        self.k = 0;
        self.start = 0;
    }

    fn run<O: Objective>(&mut self, objective: &mut O, nf: usize, summary: &mut Summary) -> Status {
        let opts = RunParams::from(&self.options);
        let manual = matches!(self.options.scaling, Scaling::Manual(_));
        if manual {
            self.apply_scale(nf);
        }
        let f0 = self.eval_at(objective, nf, false);
        self.gcur_full.copy_from_slice(&self.gfull);
        let Some(mut f) = f0 else {
            summary.f = f64::NAN;
            return Status::NonFinite;
        };
        summary.f = f;
        if nf == 0 {
            summary.projected_grad_norm = 0.0;
            return Status::Converged(ConvergenceReason::NoFreeParameters);
        }
        // The relative part follows the smaller of |f(x0)| and |f|, so that an
        // objective running off to −∞ is not declared converged.
        let f_start = f.abs();
        let tol = |f: f64| opts.pgtol.max(opts.pgtol_relative * f.abs().min(f_start));
        if self.options.scaling == Scaling::AutoDiagonal {
            let pg = projected_grad_norm(
                &self.x[..nf],
                &self.g[..nf],
                &self.lo[..nf],
                &self.hi[..nf],
                &self.scale[..nf],
            );
            // A warm start that is already converged needs no scales.
            if pg > tol(f) || opts.always_polish {
                self.auto_scale(objective, nf);
                self.apply_scale(nf);
            }
        }
        // Rounding in f scales with the magnitude of the terms summed, which
        // |f(x0)| tracks better than |f| once terms cancel near the minimum.
        let f_noise = 64.0 * f64::EPSILON * f.abs();
        self.reset_memory();
        self.theta = 1.0;
        let mut have_curvature = false;
        let mut stalled = 0usize;
        let mut iter = 0usize;
        let mut pg_ref = f64::INFINITY;
        let mut since_progress = 0usize;
        let mut last_rel = f64::INFINITY;
        let status = loop {
            let pg = projected_grad_norm(
                &self.x[..nf],
                &self.g[..nf],
                &self.lo[..nf],
                &self.hi[..nf],
                &self.scale[..nf],
            );
            summary.projected_grad_norm = pg;
            if pg <= tol(f) {
                break Status::Converged(ConvergenceReason::ProjectedGradient);
            }
            // Once f changes only at rounding level the line search still
            // progresses on slope information, so f stalling is not enough:
            // the projected gradient must also have stopped improving (not
            // halved for GRADIENT_PATIENCE iterations).
            if pg < 0.5 * pg_ref {
                pg_ref = pg;
                since_progress = 0;
            } else {
                since_progress += 1;
            }
            if last_rel <= opts.ftol {
                stalled += 1;
            } else {
                stalled = 0;
            }
            if stalled >= opts.ftol_iterations.max(1) && since_progress >= GRADIENT_PATIENCE {
                break Status::Converged(ConvergenceReason::FunctionTolerance);
            }
            if iter >= opts.max_iterations {
                break Status::MaxIterations;
            }
            if self.n_evals >= opts.max_evaluations {
                break Status::MaxEvaluations;
            }

            let gd = self.direction(nf);
            if !(gd < 0.0) || !gd.is_finite() {
                if self.k > 0 {
                    self.reset_memory();
                    continue;
                }
                break Status::LineSearchFailed;
            }

            let t_max = max_step(
                &self.x[..nf],
                &self.dir[..nf],
                &self.lo[..nf],
                &self.hi[..nf],
            );
            let t_init = if have_curvature {
                1.0
            } else {
                (1.0 / dot(&self.dir[..nf], &self.dir[..nf]).sqrt()).min(1.0)
            };
            let params = linesearch::Params {
                c1: opts.wolfe_c1,
                c2: opts.wolfe_c2,
                max_evals: opts
                    .max_line_search_evaluations
                    .min(opts.max_evaluations.saturating_sub(self.n_evals))
                    .max(1),
                f_noise,
                f_guard: F_GUARD * f_start.max(f.abs()).max(1.0),
            };
            let result = {
                let Minimizer {
                    map,
                    scale,
                    lox,
                    hix,
                    xfull,
                    gfull,
                    n_evals,
                    x,
                    dir,
                    lo,
                    hi,
                    xt,
                    gt,
                    ..
                } = self;
                let mut ev = Eval {
                    obj: &mut *objective,
                    map,
                    scale,
                    lox,
                    hix,
                    xfull,
                    gfull,
                    n_evals,
                };
                let (x, dir, lo, hi) = (&x[..nf], &dir[..nf], &lo[..nf], &hi[..nf]);
                let (xt, gt) = (&mut xt[..nf], &mut gt[..nf]);
                let r = linesearch::search(
                    |t| {
                        step_point(x, dir, lo, hi, t, xt);
                        let fv = ev.eval(xt, gt)?;
                        Some((fv, dot(gt, dir)))
                    },
                    f,
                    gd,
                    t_init.min(t_max),
                    t_max,
                    &params,
                );
                match r {
                    Ok(acc) if !acc.evaluated_last => {
                        step_point(x, dir, lo, hi, acc.t, xt);
                        ev.eval(xt, gt)
                            .map(|fv| (acc.t, fv))
                            .ok_or(linesearch::Failure::NoDecrease)
                    }
                    Ok(acc) => Ok((acc.t, acc.f)),
                    Err(e) => Err(e),
                }
            };
            let f_new = match result {
                Ok((_, fv)) => fv,
                Err(_) => {
                    if self.n_evals >= opts.max_evaluations {
                        break Status::MaxEvaluations;
                    }
                    if self.k > 0 {
                        self.reset_memory();
                        continue;
                    }
                    break Status::LineSearchFailed;
                }
            };
            iter += 1;
            self.gcur_full.copy_from_slice(&self.gfull);

            // Correction pair s = x_new − x, y = g_new − g.
            self.push_pair(nf);

            last_rel = (f - f_new) / f.abs().max(f_new.abs()).max(f64::MIN_POSITIVE);
            std::mem::swap(&mut self.x, &mut self.xt);
            std::mem::swap(&mut self.g, &mut self.gt);
            f = f_new;
            summary.f = f;
            have_curvature = true;
        };
        summary.iterations = iter;

        let mut status = status;
        let pg = projected_grad_norm(
            &self.x[..nf],
            &self.g[..nf],
            &self.lo[..nf],
            &self.hi[..nf],
            &self.scale[..nf],
        );
        summary.projected_grad_norm = pg;
        let met = pg <= tol(f);
        if met && status == Status::Converged(ConvergenceReason::FunctionTolerance) {
            status = Status::Converged(ConvergenceReason::ProjectedGradient);
        }
        let rescue = !met
            && matches!(
                status,
                Status::Converged(ConvergenceReason::FunctionTolerance) | Status::LineSearchFailed
            );
        if opts.polish_steps > 0 && (rescue || (opts.always_polish && status.is_converged())) {
            let stop_below = if opts.always_polish { 0.0 } else { tol(f) };
            self.polish(objective, nf, &mut f, stop_below, f_start);
            summary.f = f;
            let pg = projected_grad_norm(
                &self.x[..nf],
                &self.g[..nf],
                &self.lo[..nf],
                &self.hi[..nf],
                &self.scale[..nf],
            );
            summary.projected_grad_norm = pg;
            if pg <= tol(f) {
                status = Status::Converged(ConvergenceReason::ProjectedGradient);
            }
        }
        status
    }

    /// Physical slot of logical memory pair `j`.
    #[inline]
    fn slot(&self, j: usize) -> usize {
        (self.start + j) % self.m
    }

    /// Adds the pair (xt − x, gt − g) to the memory if it has positive
    /// curvature, otherwise restarts the memory. Rebuilds and factorises K.
    fn push_pair(&mut self, nf: usize) {
        let (n, m) = (self.n, self.m);
        let mut sy_new = 0.0;
        let mut yy = 0.0;
        for i in 0..nf {
            let s = self.xt[i] - self.x[i];
            let y = self.gt[i] - self.g[i];
            sy_new += s * y;
            yy += y * y;
        }
        if !(sy_new > f64::EPSILON * yy) || !(yy > 0.0) || !sy_new.is_finite() {
            self.reset_memory();
            return;
        }
        if self.k == m {
            self.start = (self.start + 1) % m;
            self.k -= 1;
            for i in 0..m - 1 {
                for j in 0..m - 1 {
                    self.sy[i * m + j] = self.sy[(i + 1) * m + j + 1];
                    self.ss[i * m + j] = self.ss[(i + 1) * m + j + 1];
                    self.yy[i * m + j] = self.yy[(i + 1) * m + j + 1];
                }
            }
        }
        let kk = self.k;
        let sl = self.slot(kk) * n;
        for i in 0..nf {
            self.s_mem[sl + i] = self.xt[i] - self.x[i];
            self.y_mem[sl + i] = self.gt[i] - self.g[i];
        }
        for j in 0..=kk {
            let oj = self.slot(j) * n;
            let (mut s_yj, mut sj_y, mut s_sj, mut y_yj) = (0.0, 0.0, 0.0, 0.0);
            for i in 0..nf {
                s_yj += self.s_mem[sl + i] * self.y_mem[oj + i];
                sj_y += self.s_mem[oj + i] * self.y_mem[sl + i];
                s_sj += self.s_mem[sl + i] * self.s_mem[oj + i];
                y_yj += self.y_mem[sl + i] * self.y_mem[oj + i];
            }
            self.sy[kk * m + j] = s_yj;
            self.sy[j * m + kk] = sj_y;
            self.ss[kk * m + j] = s_sj;
            self.ss[j * m + kk] = s_sj;
            self.yy[kk * m + j] = y_yj;
            self.yy[j * m + kk] = y_yj;
        }
        self.k += 1;
        self.theta = yy / sy_new;
        if !self.factor_middle() {
            self.reset_memory();
        }
    }

    /// Builds K = [[-D, Lᵀ], [L, θ SᵀS]] (2k×2k) and LU-factorises it.
    fn factor_middle(&mut self) -> bool {
        let (k, m) = (self.k, self.m);
        let d2 = 2 * k;
        let th = self.theta;
        let a = &mut self.kmat[..d2 * d2];
        for i in 0..k {
            for j in 0..k {
                a[i * d2 + j] = if i == j { -self.sy[i * m + i] } else { 0.0 };
                // Lᵀ block: (Lᵀ)_{ij} = L_{ji} = s_j·y_i for j > i.
                a[i * d2 + k + j] = if j > i { self.sy[j * m + i] } else { 0.0 };
                a[(k + i) * d2 + j] = if i > j { self.sy[i * m + j] } else { 0.0 };
                a[(k + i) * d2 + k + j] = th * self.ss[i * m + j];
            }
        }
        linalg::lu_factor(a, d2, &mut self.kpiv[..d2])
    }

    /// Row `b` of W = [Y, θS] into `out[..2k]`.
    #[inline]
    fn w_row(&self, b: usize, out: &mut [f64]) {
        let k = self.k;
        for j in 0..k {
            let o = self.slot(j) * self.n;
            out[j] = self.y_mem[o + b];
            out[k + j] = self.theta * self.s_mem[o + b];
        }
    }

    /// Computes the search direction `dir = x̄ − x` (generalised Cauchy point,
    /// then subspace minimisation) and returns `g·dir`.
    fn direction(&mut self, nf: usize) -> f64 {
        self.cauchy_point(nf);
        self.subspace_min(nf);
        let mut gd = 0.0;
        for i in 0..nf {
            self.dir[i] = self.xc[i] - self.x[i];
            gd += self.g[i] * self.dir[i];
        }
        gd
    }

    /// Generalised Cauchy point of the model along the projected steepest
    /// descent path; leaves it in `xc` and `c = Wᵀ(xc − x)` in `self.c`.
    fn cauchy_point(&mut self, nf: usize) {
        let k = self.k;
        let d2 = 2 * k;
        let th = self.theta;
        self.breaks.clear();
        let mut fp = 0.0;
        for i in 0..nf {
            let (xi, gi) = (self.x[i], self.g[i]);
            self.xc[i] = xi;
            let tb = if gi < 0.0 {
                (xi - self.hi[i]) / gi
            } else if gi > 0.0 {
                (xi - self.lo[i]) / gi
            } else {
                0.0
            };
            if tb == 0.0 {
                self.dcp[i] = 0.0;
            } else {
                self.dcp[i] = -gi;
                fp -= gi * gi;
                if tb.is_finite() {
                    self.breaks.push((tb, i));
                }
            }
        }
        self.c[..d2].iter_mut().for_each(|v| *v = 0.0);
        if fp == 0.0 {
            return;
        }
        // p = Wᵀd
        for j in 0..k {
            let o = self.slot(j) * self.n;
            let (mut py, mut ps) = (0.0, 0.0);
            for i in 0..nf {
                py += self.y_mem[o + i] * self.dcp[i];
                ps += self.s_mem[o + i] * self.dcp[i];
            }
            self.p[j] = py;
            self.p[k + j] = th * ps;
        }
        let mut fpp = -th * fp;
        if k > 0 {
            self.mw[..d2].copy_from_slice(&self.p[..d2]);
            linalg::lu_solve(
                &self.kmat[..d2 * d2],
                d2,
                &self.kpiv[..d2],
                &mut self.mw[..d2],
            );
            fpp -= dot(&self.p[..d2], &self.mw[..d2]);
        }
        let fpp0 = fpp.abs();
        let fpp_floor = f64::EPSILON * fpp0;
        fpp = fpp.max(fpp_floor);
        let mut dtm = -fp / fpp;
        let mut told = 0.0;

        self.breaks.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        for idx in 0..self.breaks.len() {
            let (tb, b) = self.breaks[idx];
            let dt = tb - told;
            if dtm < dt {
                break;
            }
            let xcb = if self.dcp[b] > 0.0 {
                self.hi[b]
            } else {
                self.lo[b]
            };
            let zb = xcb - self.x[b];
            self.xc[b] = xcb;
            let gb = self.g[b];
            for j in 0..d2 {
                self.c[j] += dt * self.p[j];
            }
            fp += dt * fpp + gb * gb + th * gb * zb;
            fpp -= th * gb * gb;
            if k > 0 {
                let mut wb = std::mem::take(&mut self.wb);
                self.w_row(b, &mut wb);
                self.mw[..d2].copy_from_slice(&wb[..d2]);
                linalg::lu_solve(
                    &self.kmat[..d2 * d2],
                    d2,
                    &self.kpiv[..d2],
                    &mut self.mw[..d2],
                );
                let mw = &self.mw[..d2];
                fp -= gb * dot(mw, &self.c[..d2]);
                fpp -= 2.0 * gb * dot(mw, &self.p[..d2]) + gb * gb * dot(mw, &wb[..d2]);
                for j in 0..d2 {
                    self.p[j] += gb * wb[j];
                }
                self.wb = wb;
            }
            self.dcp[b] = 0.0;
            fpp = fpp.max(fpp_floor);
            dtm = -fp / fpp;
            told = tb;
        }
        let dtm = dtm.max(0.0);
        let t = told + dtm;
        for i in 0..nf {
            let di = self.dcp[i];
            if di != 0.0 {
                self.xc[i] = (self.x[i] + t * di).clamp(self.lo[i], self.hi[i]);
            }
        }
        for j in 0..d2 {
            self.c[j] += dtm * self.p[j];
        }
    }

    /// Minimises the model over the variables free at the Cauchy point
    /// (direct primal method via Sherman–Morrison–Woodbury), projects the
    /// result into the box, and falls back to truncating the step when the
    /// projected point is not a descent direction. Result replaces `xc`.
    fn subspace_min(&mut self, nf: usize) {
        let k = self.k;
        let d2 = 2 * k;
        let th = self.theta;
        self.free.clear();
        for i in 0..nf {
            if self.xc[i] > self.lo[i] && self.xc[i] < self.hi[i] {
                self.free.push(i);
            }
        }
        if self.free.is_empty() {
            return;
        }
        // Mc, then reduced gradient r = g + θ(xc − x) − W M c on the free set.
        if k > 0 {
            self.mw[..d2].copy_from_slice(&self.c[..d2]);
            linalg::lu_solve(
                &self.kmat[..d2 * d2],
                d2,
                &self.kpiv[..d2],
                &mut self.mw[..d2],
            );
        }
        // r is kept zero off the free set so that Wᵀr is a plain dot product.
        self.r[..nf].iter_mut().for_each(|v| *v = 0.0);
        for fi in 0..self.free.len() {
            let i = self.free[fi];
            let mut ri = self.g[i] + th * (self.xc[i] - self.x[i]);
            for j in 0..k {
                let o = self.slot(j) * self.n;
                ri -= self.y_mem[o + i] * self.mw[j] + th * self.s_mem[o + i] * self.mw[k + j];
            }
            self.r[i] = ri;
        }
        // dhat = −r/θ − W v2/θ², v2 = (K − WᵀZZᵀW/θ)⁻¹ WᵀZ r.
        let mut use_w = k > 0;
        if use_w {
            let n = self.n;
            for j in 0..k {
                let o = self.slot(j) * n;
                self.v[j] = dot(&self.y_mem[o..o + nf], &self.r[..nf]);
                self.v[k + j] = th * dot(&self.s_mem[o..o + nf], &self.r[..nf]);
            }
            let mut kmat2 = std::mem::take(&mut self.kmat2);
            let a = &mut kmat2[..d2 * d2];
            // WᵀZZᵀW: summed over the free rows, or, when most rows are free,
            // as WᵀW (from the stored inner products) minus the bound rows.
            let mostly_free = 2 * self.free.len() > nf;
            let m = self.m;
            if mostly_free {
                for i in 0..k {
                    for j in 0..k {
                        // (YᵀS)_{ij} = y_i·s_j = sy[j][i]
                        a[i * d2 + j] = self.yy[i * m + j];
                        a[i * d2 + k + j] = th * self.sy[j * m + i];
                        a[(k + i) * d2 + j] = th * self.sy[i * m + j];
                        a[(k + i) * d2 + k + j] = th * th * self.ss[i * m + j];
                    }
                }
            } else {
                a.iter_mut().for_each(|v| *v = 0.0);
            }
            let mut wb = std::mem::take(&mut self.wb);
            let sign = if mostly_free { -1.0 } else { 1.0 };
            for i in 0..nf {
                let is_free = self.xc[i] > self.lo[i] && self.xc[i] < self.hi[i];
                if is_free != mostly_free {
                    self.w_row(i, &mut wb);
                    for a1 in 0..d2 {
                        let wa = sign * wb[a1];
                        for b1 in 0..d2 {
                            a[a1 * d2 + b1] += wa * wb[b1];
                        }
                    }
                }
            }
            self.wb = wb;
            let inv_th = 1.0 / th;
            a.iter_mut().for_each(|v| *v *= -inv_th);
            // Add K itself, reconstructed from sy/ss (kmat holds its LU factors).
            let m = self.m;
            for i in 0..k {
                a[i * d2 + i] -= self.sy[i * m + i];
                for j in 0..k {
                    if j > i {
                        a[i * d2 + k + j] += self.sy[j * m + i];
                    }
                    if i > j {
                        a[(k + i) * d2 + j] += self.sy[i * m + j];
                    }
                    a[(k + i) * d2 + k + j] += th * self.ss[i * m + j];
                }
            }
            if linalg::lu_factor(a, d2, &mut self.kpiv2[..d2]) {
                linalg::lu_solve(a, d2, &self.kpiv2[..d2], &mut self.v[..d2]);
                use_w = self.v[..d2].iter().all(|v| v.is_finite());
            } else {
                use_w = false;
            }
            self.kmat2 = kmat2;
        }
        // Unconstrained subspace step (stored in dcp on the free set).
        let inv_th = 1.0 / th;
        for fi in 0..self.free.len() {
            let i = self.free[fi];
            let mut d = -self.r[i] * inv_th;
            if use_w {
                let mut wv = 0.0;
                for j in 0..k {
                    let o = self.slot(j) * self.n;
                    wv += self.y_mem[o + i] * self.v[j] + th * self.s_mem[o + i] * self.v[k + j];
                }
                d -= wv * inv_th * inv_th;
            }
            self.dcp[i] = d;
        }
        // Projected step; accept if it is a descent direction from x.
        let mut gd = 0.0;
        for i in 0..nf {
            let xb = if self.xc[i] > self.lo[i] && self.xc[i] < self.hi[i] {
                (self.xc[i] + self.dcp[i]).clamp(self.lo[i], self.hi[i])
            } else {
                self.xc[i]
            };
            gd += self.g[i] * (xb - self.x[i]);
        }
        let project = gd < 0.0;
        let mut alpha: f64 = 1.0;
        if !project {
            for &i in &self.free {
                let d = self.dcp[i];
                if d > 0.0 {
                    alpha = alpha.min((self.hi[i] - self.xc[i]) / d);
                } else if d < 0.0 {
                    alpha = alpha.min((self.lo[i] - self.xc[i]) / d);
                }
            }
        }
        for fi in 0..self.free.len() {
            let i = self.free[fi];
            let v = self.xc[i] + alpha * self.dcp[i];
            self.xc[i] = if v.is_finite() {
                v.clamp(self.lo[i], self.hi[i])
            } else {
                self.xc[i]
            };
        }
    }

    /// Projected Newton steps with a finite-difference Hessian on the
    /// variables not held at a bound by their gradient.
    fn polish<O: Objective>(
        &mut self,
        objective: &mut O,
        nf: usize,
        f: &mut f64,
        stop_below: f64,
        f_noise_scale: f64,
    ) {
        let max_evals = self.options.max_evaluations;
        for _ in 0..self.options.polish_steps {
            self.free.clear();
            for i in 0..nf {
                let g = self.g[i];
                let pinned =
                    (self.x[i] <= self.lo[i] && g > 0.0) || (self.x[i] >= self.hi[i] && g < 0.0);
                if !pinned {
                    self.free.push(i);
                }
            }
            let nfree = self.free.len();
            if nfree == 0 || self.n_evals + 2 * nfree + 1 > max_evals {
                return;
            }
            if self.hbuf.len() < nfree * nfree {
                self.hbuf.resize(nfree * nfree, 0.0);
            }
            let pg0 = projected_grad_norm(
                &self.x[..nf],
                &self.g[..nf],
                &self.lo[..nf],
                &self.hi[..nf],
                &self.scale[..nf],
            );
            if pg0 <= stop_below || pg0 == 0.0 {
                return;
            }
            let ok = {
                let Minimizer {
                    map,
                    scale,
                    lox,
                    hix,
                    xfull,
                    gfull,
                    n_evals,
                    x,
                    g,
                    lo,
                    hi,
                    xt,
                    gp,
                    gm,
                    free,
                    hbuf,
                    ..
                } = self;
                let mut ev = Eval {
                    obj: &mut *objective,
                    map,
                    scale,
                    lox,
                    hix,
                    xfull,
                    gfull,
                    n_evals,
                };
                let mut evalf = |xr: &[f64], gr: &mut [f64]| ev.eval(xr, gr);
                hessian::fd_hessian(
                    &mut evalf,
                    &x[..nf],
                    &g[..nf],
                    &lo[..nf],
                    &hi[..nf],
                    free,
                    &mut hbuf[..nfree * nfree],
                    &mut xt[..nf],
                    &mut gp[..nf],
                    &mut gm[..nf],
                )
            };
            if !ok {
                return;
            }
            let h = &mut self.hbuf[..nfree * nfree];
            if linalg::cholesky(h, nfree).is_err() {
                return;
            }
            for (a, &i) in self.free.iter().enumerate() {
                self.gp[a] = -self.g[i];
            }
            linalg::cholesky_solve(&self.hbuf[..nfree * nfree], nfree, &mut self.gp[..nfree]);
            self.xt[..nf].copy_from_slice(&self.x[..nf]);
            for (a, &i) in self.free.iter().enumerate() {
                self.xt[i] = (self.x[i] + self.gp[a]).clamp(self.lo[i], self.hi[i]);
            }
            let fnew = self.eval_at(objective, nf, true);
            let Some(fnew) = fnew else { return };
            let pg1 = projected_grad_norm(
                &self.xt[..nf],
                &self.gt[..nf],
                &self.lo[..nf],
                &self.hi[..nf],
                &self.scale[..nf],
            );
            // Near the minimum the gradient is the reliable signal; f may only
            // rise by rounding.
            let eps_f = F_GUARD * f.abs().max(f_noise_scale).max(1.0);
            if !(fnew <= *f + eps_f && pg1 < pg0) {
                return;
            }
            std::mem::swap(&mut self.x, &mut self.xt);
            std::mem::swap(&mut self.g, &mut self.gt);
            self.gcur_full.copy_from_slice(&self.gfull);
            *f = fnew;
        }
    }
}
