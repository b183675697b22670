//! Timing of the minimiser on 100-dimensional test problems:
//! `cargo run --release -p histune-optim --example bench`.
use histune_optim::{Minimizer, Options, Scaling};
use std::time::Instant;

fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
    g.iter_mut().for_each(|v| *v = 0.0);
    let mut f = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        f += 100.0 * a * a + b * b;
        g[i] += -400.0 * a * x[i] - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    f
}

fn main() {
    let n = 100;
    let reps = 20;
    let inf = f64::INFINITY;
    let fixed = vec![false; n];

    // Ill-conditioned bounded quadratic: Σ c_i (x_i − t_i)² + Σ (x_{i+1} − x_i)², box [−1, 1],
    // with c spanning four decades.
    let c: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(4.0 * i as f64 / (n - 1) as f64))
        .collect();
    let tgt: Vec<f64> = (0..n).map(|i| 2.0 * ((i as f64) * 0.7).sin()).collect();
    let mut quadratic = |x: &[f64], g: &mut [f64]| {
        let mut v = 0.0;
        for i in 0..n {
            let d = x[i] - tgt[i];
            v += c[i] * d * d;
            g[i] = 2.0 * c[i] * d;
        }
        for i in 0..n - 1 {
            let d = x[i + 1] - x[i];
            v += d * d;
            g[i + 1] += 2.0 * d;
            g[i] -= 2.0 * d;
        }
        v
    };

    for scaling in [Scaling::None, Scaling::AutoDiagonal] {
        let mut mz = Minimizer::new(
            n,
            Options {
                scaling: scaling.clone(),
                ..Options::default()
            },
        );

        let x0: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect();
        let (l, u) = (vec![-inf; n], vec![inf; n]);
        let mut f = rosenbrock;
        let t = Instant::now();
        let mut m = None;
        for _ in 0..reps {
            m = Some(mz.minimize(&mut f, &x0, &l, &u, &fixed));
        }
        let m = m.unwrap();
        let err = m.x.iter().map(|v| (v - 1.0).abs()).fold(0.0, f64::max);
        println!(
            "rosenbrock-100   {scaling:?}: {:?} it={} evals={} |x-1|∞={err:.1e} {:.2} ms/fit",
            m.status,
            m.iterations,
            m.n_evals,
            t.elapsed().as_secs_f64() * 1e3 / reps as f64
        );

        let (l, u) = (vec![-1.0; n], vec![1.0; n]);
        let x0 = vec![0.0; n];
        let t = Instant::now();
        let mut m = None;
        for _ in 0..reps {
            m = Some(mz.minimize(&mut quadratic, &x0, &l, &u, &fixed));
        }
        let m = m.unwrap();
        let active = m.x.iter().filter(|v| v.abs() == 1.0).count();
        println!(
            "bounded-quad-100 {scaling:?}: {:?} it={} evals={} active={active} pg={:.1e} {:.2} ms/fit",
            m.status,
            m.iterations,
            m.n_evals,
            m.projected_grad_norm,
            t.elapsed().as_secs_f64() * 1e3 / reps as f64
        );
    }
}
