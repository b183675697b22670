"""Optuna 5's TPE overhead on the sphere, measured as study_tpe_overhead.mjs measures Histune's: ms per
ask + tell (in-memory storage) averaged over trials n−50…n (and their median). study_tpe_overhead.mjs
runs this and prints one JSON object on the last line.

    .venv/bin/python test/bench/study_tpe_overhead_optuna.py --dims 2,5,10 --trials 1000
"""

import argparse
import json
import statistics
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)


def measure(d, n_trials, multivariate):
    sampler = optuna.samplers.TPESampler(seed=0, multivariate=multivariate)
    study = optuna.create_study(sampler=sampler)
    wall, cpu = [], []
    for _ in range(n_trials):
        t0, c0 = time.perf_counter(), time.process_time()
        trial = study.ask()
        value = sum(trial.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(d))
        study.tell(trial, value)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dims", default="2,5,10")
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--at", default="100,300,1000")
    args = parser.parse_args()
    at = [int(n) for n in args.at.split(",")]
    out = {"optuna": optuna.__version__, "ms_per_trial": {}}
    for mode, multivariate in (("multivariate", True), ("univariate", False)):
        for d in (int(x) for x in args.dims.split(",")):
            wall, cpu = measure(d, args.trials, multivariate)
            out["ms_per_trial"][f"{mode}_d{d}"] = {
                f"n{n}": {
                    "wall": sum(wall[n - 50:n]) / 50,
                    "wall_median": statistics.median(wall[n - 50:n]),
                    "cpu": sum(cpu[n - 50:n]) / 50,
                }
                for n in at
            }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
