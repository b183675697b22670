"""Optuna's TPE on the functions of study_tpe.mjs (same budgets and seeds), for comparison with
Histune's; study_tpe.mjs runs it and tests the difference.

    .venv/bin/python test/bench/study_tpe_optuna.py [--trials 100,300] [--seeds 25] [--out FILE]
writes test/bench/results/study_tpe_optuna.json (or FILE).
"""

import argparse
import json
import math
import statistics
import time
from pathlib import Path

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)


def sphere5(t):
    return sum(t.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(5))


def rosenbrock4(t):
    x = [t.suggest_float(f"x{i}", -2, 2) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def styblinski_tang4(t):
    s = 0.0
    for i in range(4):
        x = t.suggest_float(f"x{i}", -5, 5)
        s += (x**4 - 16 * x**2 + 5 * x) / 2
    return s + 4 * 39.16616570377142


def rastrigin6(t):
    x = [t.suggest_float(f"x{i}", -5.12, 5.12) for i in range(6)]
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def ackley10(t):
    x = [t.suggest_float(f"x{i}", -32.768, 32.768) for i in range(10)]
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


def mixed(t):
    n = t.suggest_int("n", 0, 20, step=2)
    lr = t.suggest_float("lr", 1e-4, 1, log=True)
    kind = t.suggest_categorical("kind", ["a", "b", "c", "d"])
    e = [t.suggest_int(f"e{i}", 0, 50) for i in range(3)]
    return (n - 10) ** 2 / 100 + math.log10(lr / 1e-2) ** 2 + (0 if kind == "c" else 1) + sum(((v - 10 * (i + 1)) / 10) ** 2 for i, v in enumerate(e))


def conditional(t):
    if t.suggest_categorical("kind", ["edges", "width"]) == "width":
        return 1 + t.suggest_float("w", 0.1, 1, log=True)
    x = [t.suggest_float(f"x{i}", -3, 3) for i in range(3)]
    return (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[0] + x[1] + x[2] - 1) ** 2 / 10


FUNCTIONS = {"sphere5": sphere5, "rosenbrock4": rosenbrock4, "styblinski_tang4": styblinski_tang4, "rastrigin6": rastrigin6,
             "ackley10": ackley10, "mixed": mixed, "conditional": conditional}
SAMPLERS = {
    "optuna-default": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "optuna-univariate": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=False, constant_liar=False),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", default="100", help="comma-separated budgets")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "study_tpe_optuna.json"))
    args = parser.parse_args()
    budgets = [int(b) for b in args.trials.split(",")]
    results = {"trials": budgets, "seeds": args.seeds, "optuna": optuna.__version__, "budgets": {}}
    for budget in budgets:
        results["budgets"][str(budget)] = by_function = {}
        for fname, objective in FUNCTIONS.items():
            by_function[fname] = {}
            for sname in args.samplers.split(","):
                make = SAMPLERS[sname]
                bests, ms = [], 0.0
                for seed in range(args.seeds):
                    study = optuna.create_study(sampler=make(seed))
                    t0 = time.perf_counter()
                    study.optimize(objective, n_trials=budget)
                    ms += (time.perf_counter() - t0) * 1000 / budget
                    bests.append(study.best_value)
                row = {"median_best": statistics.median(bests), "mean_best": statistics.fmean(bests), "bests": bests, "ms_per_trial": ms / args.seeds}
                by_function[fname][sname] = row
                print(f"{budget:4} {fname:18} {sname:18} median best {row['median_best']:10.4g}  mean {row['mean_best']:10.4g}  {row['ms_per_trial']:.2f} ms/trial", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
