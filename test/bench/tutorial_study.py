"""The reference the tutorial study is measured against: Optuna's TPE calling pyhf, as physicists
write it today (the seed tutorial, integrated yields). Prints one JSON line with the timing and the
best value. Run by test/bench/tutorial_study.mjs from the test venv."""
import json
import math
import sys
import time

import optuna
import pyhf
from scipy.stats import norm

optuna.logging.set_verbosity(optuna.logging.WARNING)


def integral_signal(a, b):
    s = 0.08 * math.sqrt(2.0)
    return 50 * 0.08 * math.sqrt(math.pi / 2) * (math.erf((b - 0.5) / s) - math.erf((a - 0.5) / s))


def integral_background(a, b):
    return 100.0 * (math.exp(-2 * a) - math.exp(-2 * b))


def build_workspace(n_bins, lo, hi):
    edges = [lo + (hi - lo) * i / n_bins for i in range(n_bins + 1)]
    bins = list(zip(edges[:-1], edges[1:]))
    sig = [integral_signal(a, b) for a, b in bins]
    bkg = [integral_background(a, b) for a, b in bins]
    return {
        "version": "1.0.0",
        "channels": [{"name": "SR", "samples": [
            {"name": "signal", "data": sig, "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "background", "data": bkg,
             "modifiers": [{"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}}]},
        ]}],
        "observations": [{"name": "SR", "data": [s + b for s, b in zip(sig, bkg)]}],
        "measurements": [{"name": "tutorial", "config": {"poi": "mu", "parameters": []}}],
    }


def objective(trial):
    n_bins = trial.suggest_int("n_bins", 3, 40)
    lo = trial.suggest_float("lo", 0.0, 0.3)
    hi = trial.suggest_float("hi", 0.7, 1.0)
    ws = pyhf.Workspace(build_workspace(n_bins, lo, hi))
    model = ws.model()
    p0 = pyhf.infer.hypotest(0.0, ws.data(model), model, test_stat="q0")
    return float(norm.isf(float(p0)))


if __name__ == "__main__":
    n_trials = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    t0 = time.perf_counter()
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=42))
    study.optimize(objective, n_trials=n_trials)
    elapsed = time.perf_counter() - t0
    print(json.dumps({"tool": f"optuna {optuna.__version__} + pyhf {pyhf.__version__}", "n_trials": n_trials,
                      "elapsed_s": elapsed, "best_value": study.best_value, "best_params": study.best_params}))
