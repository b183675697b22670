use histune_optim::{
    hessian, invert_spd, invert_spd_masked, minimize, ConvergenceReason, Minimizer, Objective,
    Options, Scaling, Status,
};

const INF: f64 = f64::INFINITY;

fn unbounded(n: usize) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
    (vec![-INF; n], vec![INF; n], vec![false; n])
}

/// Chained Rosenbrock: Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)².
fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
    let n = x.len();
    g.iter_mut().for_each(|v| *v = 0.0);
    let mut f = 0.0;
    for i in 0..n - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        f += 100.0 * a * a + b * b;
        g[i] += -400.0 * a * x[i] - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    f
}

/// Default options with each scaling mode: every accuracy test must pass with
/// both (convergence is measured in the user's units either way).
fn each_scaling() -> [Options; 2] {
    [
        Options {
            scaling: Scaling::None,
            ..Options::default()
        },
        Options {
            scaling: Scaling::AutoDiagonal,
            ..Options::default()
        },
    ]
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "component {i}: got {g:.17e}, want {w:.17e} (|diff| = {:e})",
            (g - w).abs()
        );
    }
}

/// Newton's method on a scalar equation, for reference solutions.
fn newton_1d(mut x: f64, f: impl Fn(f64) -> (f64, f64)) -> f64 {
    for _ in 0..100 {
        let (v, d) = f(x);
        let dx = v / d;
        x -= dx;
        if dx.abs() <= 1e-16 * x.abs().max(1.0) {
            break;
        }
    }
    x
}

#[test]
fn rosenbrock_2d_unconstrained() {
    let (l, u, fx) = unbounded(2);
    let mut f = rosenbrock;
    for opts in each_scaling() {
        let m = minimize(&mut f, &[-1.2, 1.0], &l, &u, &fx, &opts);
        assert!(m.converged, "{m:?}");
        assert_close(&m.x, &[1.0, 1.0], 1e-10);
        assert!(m.f < 1e-20);
    }
}

#[test]
fn rosenbrock_10d_unconstrained() {
    let n = 10;
    let (l, u, fx) = unbounded(n);
    let x0: Vec<f64> = (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let mut f = rosenbrock;
    for opts in each_scaling() {
        let m = minimize(&mut f, &x0, &l, &u, &fx, &opts);
        assert!(m.converged, "{m:?}");
        assert_close(&m.x, &vec![1.0; n], 1e-10);
    }
}

#[test]
fn rosenbrock_with_active_bounds() {
    // x ≤ 0.5: the constrained minimum is (0.5, 0.25) with x on its bound.
    let mut f = rosenbrock;
    for opts in each_scaling() {
        let m = minimize(
            &mut f,
            &[-1.2, 1.0],
            &[-2.0, -2.0],
            &[0.5, 2.0],
            &[false, false],
            &opts,
        );
        assert!(m.converged, "{m:?}");
        assert_eq!(m.x[0], 0.5);
        assert_close(&m.x, &[0.5, 0.25], 1e-10);

        // y ≥ 1.5: local minima on y = 1.5 at the two roots x of ∂f/∂x = 0
        // there (x ≈ ±1.22); each start must find its own one.
        let dfdx = |x: f64| {
            (
                -2.0 * (1.0 - x) - 400.0 * x * (1.5 - x * x),
                2.0 - 400.0 * (1.5 - 3.0 * x * x),
            )
        };
        for (x0, root_guess) in [([0.5, 2.5], 1.2), ([-1.2, 2.5], -1.2)] {
            let xs = newton_1d(root_guess, dfdx);
            let m = minimize(
                &mut f,
                &x0,
                &[-1.5, 1.5],
                &[2.0, 3.0],
                &[false, false],
                &opts,
            );
            assert!(m.converged, "{m:?}");
            assert_eq!(m.x[1], 1.5);
            assert_close(&m.x, &[xs, 1.5], 1e-10);
        }
    }
}

/// f = ½ xᵀAx − bᵀx with b chosen so that x* (with prescribed active bounds
/// and multipliers) satisfies the KKT conditions.
#[test]
fn bounded_quadratic_matches_kkt_solution() {
    let n = 6;
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] =
                1.0 / (1.0 + (i as f64 - j as f64).abs()) + if i == j { 2.0 } else { 0.0 };
        }
    }
    let lower = [0.0, -1.0, -INF, 0.5, -3.0, -INF];
    let upper = [2.0, 1.0, 4.0, INF, 3.0, INF];
    let xstar = [0.0, 1.0, 0.3, 0.5, -0.7, 1.9];
    // multipliers: > 0 at active lower, < 0 at active upper, 0 if free.
    let mu = [0.8, -1.3, 0.0, 2.0, 0.0, 0.0];
    let b: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| a[i * n + j] * xstar[j]).sum::<f64>() - mu[i])
        .collect();
    let mut f = |x: &[f64], g: &mut [f64]| {
        let mut v = 0.0;
        for i in 0..n {
            let ax: f64 = (0..n).map(|j| a[i * n + j] * x[j]).sum();
            g[i] = ax - b[i];
            v += 0.5 * x[i] * ax - b[i] * x[i];
        }
        v
    };
    for opts in each_scaling() {
        // |Δx| ≲ pg / λ_min(A) with λ_min ≈ 2: ask for a small gradient.
        let opts = Options {
            pgtol: 1e-12,
            ..opts
        };
        let m = minimize(
            &mut f,
            &[1.0, 0.0, 0.0, 3.0, 2.0, -5.0],
            &lower,
            &upper,
            &[false; 6],
            &opts,
        );
        assert!(m.converged, "{m:?}");
        assert_close(&m.x, &xstar, 1e-11);
        for i in [0, 1, 3] {
            assert_eq!(m.x[i], xstar[i], "active bound {i} must be hit exactly");
        }
    }
}

#[test]
fn fixed_parameters_stay_fixed() {
    // f = Σ (x_i − i)² + 0.5 x0 x1; fix x1 = 7 (outside its bounds: kept as is).
    let mut f = |x: &[f64], g: &mut [f64]| {
        let mut v = 0.5 * x[0] * x[1];
        for i in 0..x.len() {
            v += (x[i] - i as f64).powi(2);
            g[i] = 2.0 * (x[i] - i as f64);
        }
        g[0] += 0.5 * x[1];
        g[1] += 0.5 * x[0];
        v
    };
    let fixed = [false, true, false, true];
    for opts in each_scaling() {
        let m = minimize(
            &mut f,
            &[5.0, 7.0, -1.0, 3.25],
            &[-10.0, 0.0, -10.0, -10.0],
            &[10.0, 5.0, 10.0, 10.0],
            &fixed,
            &opts,
        );
        assert!(m.converged, "{m:?}");
        assert_eq!(m.x[1], 7.0);
        assert_eq!(m.x[3], 3.25);
        // ∂f/∂x0 = 2 x0 + 0.5·7 = 0
        assert_close(&m.x, &[-1.75, 7.0, 2.0, 3.25], 1e-10);
        // Gradient entries for fixed parameters are reported.
        assert!((m.grad[3] - 2.0 * (3.25 - 3.0)).abs() < 1e-12);
    }
}

#[test]
fn all_parameters_fixed() {
    let mut f = |x: &[f64], g: &mut [f64]| {
        g[0] = 2.0 * x[0];
        x[0] * x[0]
    };
    let m = minimize(
        &mut f,
        &[3.0],
        &[-INF],
        &[INF],
        &[true],
        &Options::default(),
    );
    assert_eq!(
        m.status,
        Status::Converged(ConvergenceReason::NoFreeParameters)
    );
    assert_eq!(m.x, vec![3.0]);
    assert_eq!(m.f, 9.0);
    assert_eq!(m.n_evals, 1);
}

#[test]
fn minimum_exactly_at_bound() {
    // Unconstrained minimum at (−1, 2.5); box x ∈ [0, 5] ⇒ x = 0 exactly.
    let mut f = |x: &[f64], g: &mut [f64]| {
        g[0] = 2.0 * (x[0] + 1.0) + 0.1 * x[1];
        g[1] = 2.0 * (x[1] - 2.5) + 0.1 * x[0];
        (x[0] + 1.0).powi(2) + (x[1] - 2.5).powi(2) + 0.1 * x[0] * x[1]
    };
    for opts in each_scaling() {
        let m = minimize(
            &mut f,
            &[3.0, 0.0],
            &[0.0, -INF],
            &[5.0, INF],
            &[false, false],
            &opts,
        );
        assert!(m.converged, "{m:?}");
        assert_eq!(m.x[0], 0.0);
        assert_close(&m.x, &[0.0, 2.5], 1e-12);
        // x0 outside the box is projected.
        let m = minimize(
            &mut f,
            &[-4.0, 0.0],
            &[0.0, -INF],
            &[5.0, INF],
            &[false, false],
            &opts,
        );
        assert!(m.converged);
        assert_eq!(m.x[0], 0.0);
    }
}

/// Binned Poisson NLL with signal strength μ ≥ 0 and one Gaussian-constrained
/// background nuisance θ: ν_i = μ s_i + b_i (1 + 0.1 θ).
struct PoissonFit {
    n: Vec<f64>,
    s: Vec<f64>,
    b: Vec<f64>,
}

impl Objective for PoissonFit {
    fn value_and_gradient(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let (mu, th) = (x[0], x[1]);
        let mut f = 0.5 * th * th;
        g[0] = 0.0;
        g[1] = th;
        for i in 0..self.n.len() {
            let nu = mu * self.s[i] + self.b[i] * (1.0 + 0.1 * th);
            f += nu - self.n[i] * nu.ln();
            let w = 1.0 - self.n[i] / nu;
            g[0] += w * self.s[i];
            g[1] += w * 0.1 * self.b[i];
        }
        // twice the NLL, as Histune minimises
        g[0] *= 2.0;
        g[1] *= 2.0;
        2.0 * f
    }
}

#[test]
fn poisson_likelihood_with_optimum_at_zero() {
    // Deficit everywhere: best-fit μ is on its bound at 0.
    let mut obj = PoissonFit {
        n: vec![80.0, 95.0, 40.0, 10.0],
        s: vec![5.0, 12.0, 8.0, 3.0],
        b: vec![100.0, 110.0, 50.0, 12.0],
    };
    // With μ = 0, θ solves θ + 0.1 Σ b_i (1 − n_i/ν_i) = 0.
    let th = newton_1d(0.0, |t| {
        let mut v = t;
        let mut d = 1.0;
        for i in 0..4 {
            let nu = obj.b[i] * (1.0 + 0.1 * t);
            v += 0.1 * obj.b[i] * (1.0 - obj.n[i] / nu);
            d += 0.1 * obj.b[i] * obj.n[i] / (nu * nu) * 0.1 * obj.b[i];
        }
        (v, d)
    });
    for opts in each_scaling() {
        let m = minimize(
            &mut obj,
            &[1.0, 0.0],
            &[0.0, -5.0],
            &[10.0, 5.0],
            &[false, false],
            &opts,
        );
        assert!(m.converged, "{m:?}");
        assert_eq!(m.x[0], 0.0);
        assert!(m.grad[0] > 0.0);
        assert_close(&m.x, &[0.0, th], 1e-10);
    }
    // User-supplied scales give the same answer.
    let opts = Options {
        scaling: Scaling::Manual(vec![0.3, 1.0]),
        ..Options::default()
    };
    let m = minimize(
        &mut obj,
        &[1.0, 0.0],
        &[0.0, -5.0],
        &[10.0, 5.0],
        &[false, false],
        &opts,
    );
    assert!(m.converged, "{m:?}");
    assert_eq!(m.x[0], 0.0);
    assert_close(&m.x, &[0.0, th], 1e-10);
    let bad = Options {
        scaling: Scaling::Manual(vec![0.0, 1.0]),
        ..Options::default()
    };
    assert_eq!(
        minimize(
            &mut obj,
            &[1.0, 0.0],
            &[0.0, -5.0],
            &[10.0, 5.0],
            &[false, false],
            &bad
        )
        .status,
        Status::InvalidInput
    );
}

#[test]
fn poisson_likelihood_interior_optimum() {
    // Single bin without nuisance: μ̂ = (n − b)/s exactly.
    let mut obj = |x: &[f64], g: &mut [f64]| {
        let nu = x[0] * 20.0 + 1000.0;
        g[0] = 2.0 * 20.0 * (1.0 - 1234.0 / nu);
        2.0 * (nu - 1234.0 * nu.ln())
    };
    for opts in each_scaling() {
        let m = minimize(&mut obj, &[1.0], &[0.0], &[100.0], &[false], &opts);
        assert!(m.converged, "{m:?}");
        assert_close(&m.x, &[(1234.0 - 1000.0) / 20.0], 1e-10);
    }
}

#[test]
fn non_finite_region_is_avoided() {
    // f = x − 2 ln x + (y − x)², undefined for x ≤ 0, minimum at (2, 2);
    // the first steps overshoot into x < 0.
    let mut calls_nan = 0;
    let mut f = |x: &[f64], g: &mut [f64]| {
        if x[0] <= 0.0 {
            calls_nan += 1;
            return f64::NAN;
        }
        g[0] = 1.0 - 2.0 / x[0] - 2.0 * (x[1] - x[0]);
        g[1] = 2.0 * (x[1] - x[0]);
        x[0] - 2.0 * x[0].ln() + (x[1] - x[0]).powi(2)
    };
    let (l, u, fx) = unbounded(2);
    // Smallest Hessian eigenvalue is ≈ 0.23, so ask for a tighter gradient.
    let opts = Options {
        pgtol: 1e-12,
        ..Options::default()
    };
    let m = minimize(&mut f, &[1.0, -30.0], &l, &u, &fx, &opts);
    assert!(m.converged, "{m:?}");
    assert_close(&m.x, &[2.0, 2.0], 1e-11);
    assert!(calls_nan > 0, "test should exercise the non-finite path");

    // Non-finite at the start is reported, not hidden.
    let mut bad = |_: &[f64], _: &mut [f64]| f64::NAN;
    let m = minimize(
        &mut bad,
        &[1.0],
        &[-INF],
        &[INF],
        &[false],
        &Options::default(),
    );
    assert_eq!(m.status, Status::NonFinite);
    assert!(!m.converged);
}

#[test]
fn max_iterations_reports_not_converged() {
    let (l, u, fx) = unbounded(2);
    let mut f = rosenbrock;
    let opts = Options {
        max_iterations: 3,
        ..Options::default()
    };
    let m = minimize(&mut f, &[-1.2, 1.0], &l, &u, &fx, &opts);
    assert!(!m.converged);
    assert_eq!(m.status, Status::MaxIterations);
    assert_eq!(m.iterations, 3);

    let opts = Options {
        max_evaluations: 10,
        ..Options::default()
    };
    let m = minimize(&mut f, &[-1.2, 1.0], &l, &u, &fx, &opts);
    assert!(!m.converged);
    assert_eq!(m.status, Status::MaxEvaluations);
    assert!(m.n_evals <= 10);
}

#[test]
fn invalid_bounds_are_rejected() {
    let mut f = rosenbrock;
    let m = minimize(
        &mut f,
        &[0.0, 0.0],
        &[1.0, 0.0],
        &[0.0, 1.0],
        &[false, false],
        &Options::default(),
    );
    assert_eq!(m.status, Status::InvalidInput);
    assert!(!m.converged);
}

#[test]
fn minimizer_reuse_is_consistent_and_polish_helps() {
    let n = 20;
    let (l, u, fx) = unbounded(n);
    let x0: Vec<f64> = (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let mut mz = Minimizer::new(n, Options::default());
    let mut f = rosenbrock;
    let a = mz.minimize(&mut f, &x0, &l, &u, &fx);
    let b = mz.minimize(&mut f, &x0, &l, &u, &fx);
    assert_eq!(a.x, b.x);
    assert_eq!(a.n_evals, b.n_evals);
    assert!(a.converged);
    let mut x = x0.clone();
    let s = mz.minimize_in_place(&mut f, &mut x, &l, &u, &fx);
    assert_eq!(x, a.x);
    assert_eq!(s.f, a.f);
    assert_eq!(mz.gradient(), &a.grad[..]);

    // Scales from an AutoDiagonal run, reused as Manual: no FD evaluations.
    mz.set_options(Options {
        scaling: Scaling::AutoDiagonal,
        ..Options::default()
    });
    let auto = mz.minimize(&mut f, &x0, &l, &u, &fx);
    let scales = mz.scales().to_vec();
    assert!(scales.iter().all(|&s| s > 0.0 && s != 1.0));
    mz.set_options(Options {
        scaling: Scaling::Manual(scales),
        ..Options::default()
    });
    let manual = mz.minimize(&mut f, &x0, &l, &u, &fx);
    assert!(auto.converged && manual.converged);
    assert!(
        manual.n_evals < auto.n_evals,
        "{} vs {}",
        manual.n_evals,
        auto.n_evals
    );
    assert_close(&manual.x, &auto.x, 1e-9);

    mz.set_options(Options {
        always_polish: true,
        pgtol: 1e-6,
        ..Options::default()
    });
    let p = mz.minimize(&mut f, &x0, &l, &u, &fx);
    assert!(p.converged);
    assert_close(&p.x, &vec![1.0; n], 1e-12);
}

#[test]
fn hessian_and_covariance_of_quadratic() {
    let a = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
    let mut f = |x: &[f64], g: &mut [f64]| {
        let mut v = 0.0;
        for i in 0..3 {
            g[i] = (0..3).map(|j| a[i * 3 + j] * x[j]).sum();
            v += 0.5 * x[i] * g[i];
        }
        v
    };
    // x[0] sits on its lower bound: one-sided differences are used there.
    let h = hessian(
        &mut f,
        &[0.0, 0.3, -0.2],
        &[false; 3],
        &[0.0, -INF, -INF],
        &[INF; 3],
    );
    assert_close(&h, &a, 1e-7);
    let cov = invert_spd(&h, 3).unwrap();
    for i in 0..3 {
        for j in 0..3 {
            let e: f64 = (0..3).map(|k| a[i * 3 + k] * cov[k * 3 + j]).sum();
            assert!((e - if i == j { 1.0 } else { 0.0 }).abs() < 1e-7);
        }
    }
    let hm = hessian(
        &mut f,
        &[0.0, 0.3, -0.2],
        &[false, true, false],
        &[-INF; 3],
        &[INF; 3],
    );
    assert_eq!(&hm[3..6], &[0.0; 3]);
    assert!(invert_spd(&hm, 3).is_err());
    let cm = invert_spd_masked(&hm, 3, &[false, true, false]).unwrap();
    assert_eq!(cm[4], 0.0);
    let det = a[0] * a[8] - a[2] * a[6];
    assert!((cm[0] - a[8] / det).abs() < 1e-7);

    let err = invert_spd(&[1.0, 2.0, 2.0, 1.0], 2).unwrap_err();
    assert!(err.contains("not positive definite"), "{err}");
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Random strictly convex box-constrained QPs: the result must satisfy the KKT
/// conditions (which for a convex problem certify the global minimum).
#[test]
fn random_bounded_qps_satisfy_kkt() {
    let mut rng = Lcg(12345);
    for trial in 0..150 {
        let n = 1 + trial % 12;
        // A = MᵀM + δI with a spread of scales.
        let mut mm = vec![0.0; n * n];
        for v in mm.iter_mut() {
            *v = rng.next() - 0.5;
        }
        let col_scale: Vec<f64> = (0..n)
            .map(|_| 10f64.powf(3.0 * (rng.next() - 0.5)))
            .collect();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let s: f64 = (0..n).map(|k| mm[k * n + i] * mm[k * n + j]).sum();
                a[i * n + j] = (s + if i == j { 0.1 } else { 0.0 }) * col_scale[i] * col_scale[j];
            }
        }
        let b: Vec<f64> = (0..n).map(|_| 4.0 * (rng.next() - 0.5)).collect();
        let lower: Vec<f64> = (0..n)
            .map(|_| if rng.next() < 0.3 { -INF } else { -rng.next() })
            .collect();
        let upper: Vec<f64> = (0..n)
            .map(|_| if rng.next() < 0.3 { INF } else { rng.next() })
            .collect();
        let fixed: Vec<bool> = (0..n).map(|_| rng.next() < 0.1).collect();
        let x0: Vec<f64> = (0..n).map(|_| 3.0 * (rng.next() - 0.5)).collect();
        let mut f = |x: &[f64], g: &mut [f64]| {
            let mut v = 0.0;
            for i in 0..n {
                let ax: f64 = (0..n).map(|j| a[i * n + j] * x[j]).sum();
                g[i] = ax - b[i];
                v += 0.5 * x[i] * ax - b[i] * x[i];
            }
            v
        };
        for opts in each_scaling() {
            let m = minimize(&mut f, &x0, &lower, &upper, &fixed, &opts);
            assert!(m.converged, "trial {trial}: {m:?}");
            for i in 0..n {
                if fixed[i] {
                    assert_eq!(m.x[i], x0[i]);
                    continue;
                }
                let (x, g) = (m.x[i], m.grad[i]);
                assert!(x >= lower[i] && x <= upper[i]);
                let kkt = if x == lower[i] {
                    (-g).max(0.0)
                } else if x == upper[i] {
                    g.max(0.0)
                } else {
                    g.abs()
                };
                assert!(
                    kkt <= 1e-8,
                    "trial {trial} component {i}: x={x} g={g} ({:?})",
                    opts.scaling
                );
            }
        }
    }
}

/// HistFactory-shaped NLL: signal strength μ ∈ [0, 10], normsys-like α_j
/// (exponential interpolation, N(0,1) constraints) and per-bin shapesys-like
/// γ_i ∈ [1e-10, 10] with Poisson auxiliary constraints of very different
/// strengths — badly scaled, with μ often on its bound.
struct HistFactoryLike {
    s: Vec<f64>,
    b: Vec<f64>,
    lnk: Vec<f64>,
    tau: Vec<f64>,
    n: Vec<f64>,
    ns: usize,
}

impl Objective for HistFactoryLike {
    fn value_and_gradient(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let (nb, ns) = (self.n.len(), self.ns);
        g.iter_mut().for_each(|v| *v = 0.0);
        let mut f = 0.0;
        for j in 0..ns {
            f += 0.5 * x[1 + j] * x[1 + j];
            g[1 + j] += x[1 + j];
        }
        for i in 0..nb {
            let lnfac: f64 = (0..ns).map(|j| self.lnk[i * ns + j] * x[1 + j]).sum();
            let fac = lnfac.exp();
            let gam = x[1 + ns + i];
            let bb = self.b[i] * fac * gam;
            let nu = x[0] * self.s[i] + bb;
            f += nu
                - if self.n[i] > 0.0 {
                    self.n[i] * nu.ln()
                } else {
                    0.0
                };
            let w = 1.0 - self.n[i] / nu;
            g[0] += w * self.s[i];
            for j in 0..ns {
                g[1 + j] += w * bb * self.lnk[i * ns + j];
            }
            g[1 + ns + i] += w * self.b[i] * fac;
            let t = self.tau[i];
            f += t * gam - t * (t * gam).ln();
            g[1 + ns + i] += t - t / gam;
        }
        f
    }
}

#[test]
fn histfactory_like_fits_match_a_polished_reference() {
    let (nb, ns) = (12, 3);
    let n = 1 + ns + nb;
    let mut rng = Lcg(99);
    let (mut on_bound, mut interior) = (0, 0);
    for seed in 0..4 {
        let scale = [0.2, 1.0, 30.0, 5.0][seed];
        let s: Vec<f64> = (0..nb)
            .map(|i| scale * 20.0 * (-((i as f64 - 6.0) / 2.0).powi(2)).exp())
            .collect();
        let b: Vec<f64> = (0..nb)
            .map(|i| scale * 100.0 * (-(i as f64) / 5.0).exp() + 0.01)
            .collect();
        let lnk: Vec<f64> = (0..nb * ns)
            .map(|_| (1.0 + 0.2 * (rng.next() - 0.5)).ln())
            .collect();
        let tau: Vec<f64> = (0..nb)
            .map(|_| 1.0 / (0.01 + 0.2 * rng.next()).powi(2))
            .collect();
        // Observed: background with a ±√b wobble (a deficit in even seeds).
        let sign = if seed % 2 == 0 { -1.0 } else { 1.0 };
        let obs: Vec<f64> = (0..nb)
            .map(|i| {
                (b[i] + sign * (0.5 * s[i] + b[i].sqrt() * (rng.next() - 0.3)))
                    .round()
                    .max(0.0)
            })
            .collect();
        let mut model = HistFactoryLike {
            s,
            b,
            lnk,
            tau,
            n: obs,
            ns,
        };
        let mut lower = vec![-5.0; n];
        let mut upper = vec![5.0; n];
        lower[0] = 0.0;
        upper[0] = 10.0;
        let mut x0 = vec![0.0; n];
        x0[0] = 1.0;
        for i in 0..nb {
            lower[1 + ns + i] = 1e-10;
            upper[1 + ns + i] = 10.0;
            x0[1 + ns + i] = 1.0;
        }
        let fixed = vec![false; n];
        let results: Vec<_> = each_scaling()
            .into_iter()
            .map(|opts| minimize(&mut model, &x0, &lower, &upper, &fixed, &opts))
            .collect();
        let reference = minimize(
            &mut model,
            &results[0].x,
            &lower,
            &upper,
            &fixed,
            &Options {
                pgtol: 0.0,
                pgtol_relative: 0.0,
                always_polish: true,
                polish_steps: 3,
                ..Options::default()
            },
        );
        for m in &results {
            assert!(m.converged, "seed {seed}: {m:?}");
            assert!(
                (m.f - reference.f).abs() <= 1e-13 * reference.f.abs(),
                "seed {seed}: f {} vs {}",
                m.f,
                reference.f
            );
            assert_close(&m.x, &reference.x, 1e-8);
            if reference.x[0] == 0.0 {
                assert_eq!(m.x[0], 0.0, "seed {seed}: μ̂ must sit exactly on its bound");
            }
        }
        if reference.x[0] == 0.0 {
            on_bound += 1;
        } else {
            interior += 1;
        }
    }
    assert!(
        on_bound > 0 && interior > 0,
        "both cases must be exercised ({on_bound}, {interior})"
    );
}

#[test]
fn inconsistent_or_unbounded_objectives_are_not_reported_converged() {
    // Gradient with the wrong sign: no step can satisfy the line search.
    let mut f = |x: &[f64], g: &mut [f64]| {
        g[0] = -2.0 * x[0];
        x[0] * x[0]
    };
    let m = minimize(
        &mut f,
        &[1.3],
        &[-INF],
        &[INF],
        &[false],
        &Options::default(),
    );
    assert!(!m.converged, "{m:?}");
    assert_eq!(m.status, Status::LineSearchFailed);
    assert_eq!(m.x, vec![1.3]);

    // Unbounded below.
    let mut f = |x: &[f64], g: &mut [f64]| {
        g[0] = -1.0;
        g[1] = 2.0 * x[1];
        -x[0] + x[1] * x[1]
    };
    let m = minimize(
        &mut f,
        &[0.0, 1.0],
        &[-INF, -INF],
        &[INF, INF],
        &[false, false],
        &Options::default(),
    );
    assert!(!m.converged, "{m:?}");
}

#[test]
fn warm_start_at_the_minimum_costs_one_evaluation() {
    let mut f = |x: &[f64], g: &mut [f64]| {
        g[0] = 2.0 * (x[0] - 1.0);
        g[1] = 8.0 * (x[1] + 2.0);
        (x[0] - 1.0).powi(2) + 4.0 * (x[1] + 2.0).powi(2)
    };
    for opts in each_scaling() {
        let m = minimize(
            &mut f,
            &[1.0, -2.0],
            &[-INF; 2],
            &[INF; 2],
            &[false; 2],
            &opts,
        );
        assert_eq!(
            m.status,
            Status::Converged(ConvergenceReason::ProjectedGradient)
        );
        assert_eq!((m.iterations, m.n_evals), (0, 1));
        assert_eq!(m.x, vec![1.0, -2.0]);
    }
}

/// Likelihoods summed over many large terms carry rounding noise of hundreds
/// of ulps in f while their analytic gradient stays accurate; the minimum must
/// still be found to the gradient tolerance.
#[test]
fn noisy_objective_with_accurate_gradient_converges() {
    let xs = [-0.4545945450749228, 1.25];
    let mut f = |x: &[f64], g: &mut [f64]| {
        // Deterministic noise of ±5e-12 (≈ 2800 ulps of f ≈ 15.6).
        let bits = x[0].to_bits() ^ x[1].to_bits().rotate_left(17);
        let noise = ((bits.wrapping_mul(0x9E3779B97F4A7C15) >> 40) as f64 / (1u64 << 24) as f64
            - 0.5)
            * 1e-11;
        let (a, b) = (x[0] - xs[0], x[1] - xs[1]);
        g[0] = 50.5 * a + 3.0 * b;
        g[1] = 3.0 * a + 8.0 * b;
        15.6 + 0.5 * (50.5 * a * a + 6.0 * a * b + 8.0 * b * b) + noise
    };
    // From afar, and from so close that no step changes f by more than its noise.
    for x0 in [[0.0, 0.0], [xs[0] + 3e-8, xs[1] - 2e-8]] {
        for opts in each_scaling() {
            let m = minimize(&mut f, &x0, &[-5.0; 2], &[5.0; 2], &[false; 2], &opts);
            assert!(m.converged, "{m:?}");
            assert_eq!(
                m.status,
                Status::Converged(ConvergenceReason::ProjectedGradient)
            );
            assert_close(&m.x, &xs, 1e-10);
        }
    }
}

/// Chained Rosenbrock with its exact Hessian, for the projected Newton minimiser.
struct RosenbrockWithHessian;

impl Objective for RosenbrockWithHessian {
    fn value_and_gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        rosenbrock(x, grad)
    }
}

impl histune_optim::HessianObjective for RosenbrockWithHessian {
    fn value_gradient_hessian(&mut self, x: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        let n = x.len();
        hess.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..n - 1 {
            let a = x[i + 1] - x[i] * x[i];
            hess[i * n + i] += -400.0 * a + 800.0 * x[i] * x[i] + 2.0;
            hess[i * n + i + 1] += -400.0 * x[i];
            hess[(i + 1) * n + i] += -400.0 * x[i];
            hess[(i + 1) * n + i + 1] += 200.0;
        }
        rosenbrock(x, grad)
    }
}

#[test]
fn newton_reaches_the_rosenbrock_minimum_along_the_curved_valley() {
    // (From the classic (−1.2, 1, …) start the chained function has a second local minimum near
    // x_0 = −1, which Newton, like any local method, may find.)
    let n = 10;
    let (lo, hi, fixed) = unbounded(n);
    let mut x: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { 0.5 } else { -0.5 }).collect();
    let summary = histune_optim::Newton::new(n).minimize_in_place(&mut RosenbrockWithHessian, &mut x, &lo, &hi, &fixed, &Options::default());
    assert_eq!(summary.status, Status::Converged(ConvergenceReason::ProjectedGradient), "{summary:?}");
    assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-8), "{x:?}");
}

#[test]
fn newton_stops_on_active_bounds_and_holds_fixed_parameters() {
    // Minimum of the unbounded problem at x = 1; the box [-0.5, 0.5] holds it at the upper bound
    // for the free parameters, and parameter 3 stays where it is.
    let n = 6;
    let (lo, hi) = (vec![-0.5; n], vec![0.5; n]);
    let mut fixed = vec![false; n];
    fixed[3] = true;
    let mut x = vec![0.0; n];
    x[3] = 0.25;
    let summary = histune_optim::Newton::new(n).minimize_in_place(&mut RosenbrockWithHessian, &mut x, &lo, &hi, &fixed, &Options::default());
    assert!(summary.converged, "{summary:?}");
    assert_eq!(x[3], 0.25);
    let reference = minimize(&mut rosenbrock, &{ let mut v = vec![0.0; n]; v[3] = 0.25; v }, &lo, &hi, &fixed, &Options::default());
    assert!(reference.converged);
    for (i, (mine, theirs)) in x.iter().zip(&reference.x).enumerate() {
        assert!((mine - theirs).abs() < 1e-7, "{i}: Newton {mine} vs L-BFGS-B {theirs}");
    }
    assert!(x.contains(&0.5), "an active upper bound is hit exactly: {x:?}");
}

#[test]
fn newton_reports_a_non_finite_start() {
    let (lo, hi, fixed) = unbounded(2);
    let mut x = vec![f64::INFINITY, 0.0];
    let summary = histune_optim::Newton::new(2).minimize_in_place(&mut RosenbrockWithHessian, &mut x, &lo, &hi, &fixed, &Options::default());
    assert!(!summary.converged);
}
