"""Toys and impact rankings through Histune's GPU path beside Histune's CPU path and nextstat (CPU,
PyPI) in one run.

- Toys: 10 000 + 10 000 (per hypothesis, q̃ at μ = 1, seed 1) on the 50-channel × 4-bin shapesys
  model of 201 parameters (`toy_workspace` of infer_vs_references.py, kept as
  test/bench/gpu/toys_50x4.json for run_h200.sh): Histune CPU (histune-infer, one engine fit per
  toy on all cores), Histune GPU path (all toy fits in lockstep batches, f64 and f32, through
  native/gpu/examples/gpu_infer_bench.rs) and nextstat `hypotest_toys`. The GPU path first runs a
  pilot; where the full count would exceed --gpu-budget-s (lavapipe: software Vulkan on the same
  cores), fewer toys run and the time for the full count is extrapolated linearly: such figures
  carry `extrapolated: true` and their ratios say "extrapolated" in their names.
- Rankings: the impacts of the 201-parameter model (800 refits) and of the 100-parameter
  synthetic model (synthetic_models.py, 1000 bins), Histune CPU vs GPU path (agreement and
  order checked) vs nextstat `ranking`.

Ratios are X_over_Y = seconds of X / seconds of Y (> 1: Y is faster).

    .venv/bin/python test/bench/gpu_infer_vs_nextstat.py [--toys 10000] [--gpu-budget-s 120] [--out PATH] [--no-build]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from infer_vs_references import toy_workspace  # noqa: E402
from synthetic_models import synthetic_workspace  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOYS_WS = ROOT / "test" / "bench" / "gpu" / "toys_50x4.json"
BIN = ROOT / "native" / "target" / "release" / "examples" / "gpu_infer_bench"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def toys_workspace_file():
    """The 201-parameter model, written where run_h200.sh finds it (same bytes every run)."""
    text = json.dumps(toy_workspace(), indent=1) + "\n"
    if not TOYS_WS.exists() or TOYS_WS.read_text() != text:
        TOYS_WS.write_text(text)
    return TOYS_WS


def nextstat_toys(path, n):
    import nextstat

    model = nextstat.from_pyhf(path.read_text())
    t0 = time.perf_counter()
    cls = nextstat.hypotest_toys(1.0, model, n_toys=n, seed=1)
    return {"version": nextstat.__version__, "toys_per_hypothesis": n, "seconds": time.perf_counter() - t0, "cls": float(cls)}


def nextstat_ranking(path):
    import nextstat

    model = nextstat.from_pyhf(path.read_text())
    t0 = time.perf_counter()
    ranked = nextstat.ranking(model)
    return {"seconds": time.perf_counter() - t0, "ranked": len(ranked)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--toys", type=int, default=10_000, help="toys per hypothesis")
    parser.add_argument("--gpu-budget-s", type=float, default=120.0, help="seconds per GPU precision before extrapolating")
    parser.add_argument("--out", default=str(ROOT / "test" / "bench" / "results" / "gpu_infer_lavapipe.json"))
    parser.add_argument("--no-build", action="store_true", help="use the gpu_infer_bench binary as it is")
    args = parser.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "histune-gpu", "--example", "gpu_infer_bench"], cwd=ROOT / "native", check=True)
    toys_path = toys_workspace_file()
    with tempfile.TemporaryDirectory() as folder:
        synthetic = Path(folder) / "synthetic_1000x100.json"
        synthetic.write_text(json.dumps(synthetic_workspace(1000, 100)))
        env = {**os.environ, "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR") or folder}
        proc = subprocess.run(
            [str(BIN), "--toys-workspace", str(toys_path), "--toys", str(args.toys), "--gpu-budget-s", str(args.gpu_budget_s),
             "--ranking-workspaces", f"{toys_path},{synthetic}"],
            check=True, capture_output=True, text=True, env=env,
        )
        histune = json.loads(proc.stdout)
        ns_toys = nextstat_toys(toys_path, args.toys)
        ns_rankings = [nextstat_ranking(toys_path), nextstat_ranking(synthetic)]

    toys = histune["toys"]
    cpu_s = toys["cpu"].get("seconds")
    toy_ratios = {"nextstat_over_histune_cpu": ratio(ns_toys["seconds"], cpu_s)}
    for g in toys["gpu"]:
        if "seconds" not in g:
            continue
        tag = f"gpu_{g['precision']}" + ("_extrapolated" if g["extrapolated"] else "")
        toy_ratios[f"nextstat_over_histune_{tag}"] = ratio(ns_toys["seconds"], g["seconds_for_requested"])
        toy_ratios[f"histune_{tag}_over_histune_cpu"] = ratio(g["seconds_for_requested"], cpu_s)
    toys["nextstat"] = ns_toys
    toys["ratios"] = toy_ratios
    toys["model"] = "50 channels x 4 bins, shapesys per bin (test/bench/gpu/toys_50x4.json)"

    rankings = histune["rankings"]
    for r, ns, name in zip(rankings, ns_rankings, ["toys_50x4 (201 parameters)", "synthetic_1000x100 (100 parameters)"]):
        r["workspace"] = name
        r["nextstat"] = ns
        ratios = {"nextstat_over_histune_cpu": ratio(ns["seconds"], r["cpu"].get("seconds"))}
        for g in r["gpu"]:
            if "seconds" in g:
                ratios[f"nextstat_over_histune_gpu_{g['precision']}"] = ratio(ns["seconds"], g["seconds"])
                ratios[f"histune_gpu_{g['precision']}_over_histune_cpu"] = ratio(g["seconds"], r["cpu"].get("seconds"))
        r["ratios"] = ratios

    out = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {**histune["machine"], "platform": platform.platform(), "python": platform.python_version(), "cpu_count": os.cpu_count()},
        "toys": toys,
        "rankings": rankings,
        "notes": histune["notes"] + [
            "seconds: wall time of one call (the observed and generation fits, toy generation and the free fit of a ranking included)",
            "extrapolated GPU toy times: seconds x requested / run, linear; only where `extrapolated` is true",
            "nextstat toys are its own (other random streams): compare CLs statistically, times directly",
        ],
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    g = {x["precision"]: x for x in toys["gpu"] if "seconds" in x}
    print(f"toys {args.toys}+{args.toys}: histune cpu {cpu_s:.1f} s, nextstat {ns_toys['seconds']:.1f} s, "
          + ", ".join(f"gpu-{p} {x['seconds_for_requested']:.0f} s{' (extrapolated from ' + str(x['toys_per_hypothesis']) + ')' if x['extrapolated'] else ''}" for p, x in g.items()))
    for r in rankings:
        print(f"ranking {r['workspace']}: cpu {r['cpu'].get('seconds', float('nan')):.2f} s, nextstat {r['nextstat']['seconds']:.2f} s, "
              + ", ".join(f"gpu-{x['precision']} {x.get('seconds', float('nan')):.2f} s (Δ ≤ {x.get('max_shift_diff_over_sigma_mu', float('nan')):.1e} σμ, same order: {x.get('same_order')})" for x in r["gpu"]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
