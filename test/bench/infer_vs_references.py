"""Histune's inference beside pyhf 0.7.6 (numpy backend, its default SLSQP) and nextstat (PyPI) on
the same workspaces, in one run: the tutorial workspace, synthetic models of 10 bins/2 parameters,
100/20 and 1000/100 (test/bench/synthetic_models.py), and the ATLAS sbottom likelihood (RegionA
background-only + the sbottom_1300_850_60 signal patch, from scikit-hep-testdata).

Per model, two calls:
- Z0 from two fits (free, and μ = 0): Histune `test_statistic(q0, μ = 0)` inside Rust
  (native/infer/examples/infer_timing.rs) and `inferTestStatistic` through Node (text and a
  compiled Model handle, test/bench/infer_models.mjs); pyhf `infer.test_statistics.q0`; nextstat two
  `MaximumLikelihoodEstimator.fit_minimum` calls (the second with the POI's bounds at (0, 0)).
- CLs at μ = 1 with the expected band (q̃; five fits with the Asimov data): Histune `hypotest` /
  `inferHypotest`; pyhf `infer.hypotest(…, return_expected_set=True)`; nextstat `cls_curve(model, [1])`
  at two points, its minimum, timed for reference; the ratios use nextstat `hypotest(1, model)`,
  which makes the same five fits (its band is arithmetic on √qA but is not returned).
Plus the impact ranking of the 100-parameter model (Histune Rust, and Node with
HISTUNE_BENCH_NODE_RANKING=1; nextstat `ranking`) and
toy CLs on a 50-channel × 4-bin shapesys model of 201 parameters (Histune `toys` vs nextstat
`hypotest_toys`, the same number of toys per hypothesis).

Times are medians of rounds (minimums too, for the Rust and Node calls: the machine may be shared).
Writes test/bench/results/inference.json.

    .venv/bin/python test/bench/infer_vs_references.py [--toys N] [--quick]
"""

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pyhf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_models import atlas_workspace, synthetic_workspace  # noqa: E402
from timing import timed  # noqa: E402

warnings.simplefilter("ignore")
logging.getLogger("pyhf").setLevel(logging.ERROR)
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "bench" / "results" / "inference.json"
RUST_BIN = ROOT / "native" / "target" / "release" / "examples" / "infer_timing"
TOY_BUDGET_S = 60.0
# The ranking through Node repeats the Rust one (the same crate on the libuv pool) at ~2× its wall
# time on a shared 2-core machine; off by default to keep the run near 5 minutes.
NODE_RANKING = os.environ.get("HISTUNE_BENCH_NODE_RANKING") == "1"
TARGETS = {
    "speedup_over_pyhf": 100.0,
    "speedup_over_nextstat": 3.0,
    "tutorial_z0_rust_us": 20.0,
    "tutorial_z0_node_us": 60.0,
    "ranking_100_parameters_s": 1.0,
    "toys": 10_000,
}


def toy_workspace(n_channels=50, n_bins=4, seed=7):
    """nextstat's toy benchmark shape: per channel a signal (μ) and a background with shapesys in
    every bin: 1 + n_channels·n_bins parameters."""
    rng = np.random.default_rng(seed)
    channels, observations = [], []
    for c in range(n_channels):
        signal = np.round(rng.uniform(1.0, 5.0, n_bins), 3)
        background = np.round(rng.uniform(40.0, 120.0, n_bins), 3)
        uncertainty = np.round(background * rng.uniform(0.05, 0.15, n_bins), 3)
        name = f"ch{c:02d}"
        channels.append({"name": name, "samples": [
            {"name": "signal", "data": signal.tolist(), "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "background", "data": background.tolist(), "modifiers": [{"name": f"bkg_unc_{name}", "type": "shapesys", "data": uncertainty.tolist()}]},
        ]})
        observations.append({"name": name, "data": np.round(rng.poisson(background + 0.5 * signal), 0).astype(float).tolist()})
    return {
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


def write_models(folder, quick):
    models = {"tutorial": json.loads((ROOT / "resources" / "examples" / "tutorial" / "workspace.json").read_text())}
    for bins, pars in [(10, 2), (100, 20), (1000, 100)]:
        models[f"synthetic_{bins}x{pars}"] = synthetic_workspace(bins, pars)
    atlas = None if quick else atlas_workspace()
    if atlas is not None:
        models["atlas_sbottom_regionA_1300_850_60"] = atlas
    paths = {}
    for name, spec in models.items():
        paths[name] = folder / f"{name}.json"
        paths[name].write_text(json.dumps(spec))
    return paths


def build_rust():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "histune-infer", "--example", "infer_timing"], cwd=ROOT / "native", check=True)


def histune_rust(path, *extra):
    line = subprocess.run([str(RUST_BIN), str(path), *extra], check=True, capture_output=True, text=True).stdout
    return json.loads(line)


def min_seconds(name):
    """Round length for the Rust and Node loops: short for the slow models (one call per round)."""
    return "0.05" if name == "synthetic_1000x100" else "0.5"


def histune_node(paths, ranking_model):
    out = {}
    for name, path in paths.items():
        args = ["node", str(ROOT / "test" / "bench" / "infer_models.mjs"), "--min-seconds", min_seconds(name)]
        if name == ranking_model and NODE_RANKING:
            args.append("--ranking")
        proc = subprocess.run([*args, str(path)], check=True, capture_output=True, text=True)
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def pyhf_timings(spec):
    ws = pyhf.Workspace(spec)
    model = ws.model()
    data = ws.data(model)
    init, bounds, fixed = model.config.suggested_init(), model.config.suggested_bounds(), model.config.suggested_fixed()
    q0 = lambda: pyhf.infer.test_statistics.q0(0.0, data, model, init, bounds, fixed)  # noqa: E731
    hypotest = lambda: pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde", return_expected_set=True)  # noqa: E731
    z0_s, q0_value = timed(q0, rounds=3, min_seconds=0.0, max_seconds=30.0)
    hypotest_s, (cls, band) = timed(hypotest, rounds=3, min_seconds=0.0, max_seconds=60.0)
    return {"z0Ms": z0_s * 1e3, "z0": float(np.sqrt(q0_value)), "hypotestMs": hypotest_s * 1e3, "cls": float(cls), "clsExpected": [float(b) for b in band]}


def nextstat_model(text):
    import nextstat

    return nextstat, nextstat.from_pyhf(text)


def nextstat_timings(text, with_ranking=False):
    nextstat, model = nextstat_model(text)
    mle = nextstat.MaximumLikelihoodEstimator()
    poi = model.poi_index()
    conditional_bounds = list(model.suggested_bounds())
    conditional_bounds[poi] = (0.0, 0.0)
    conditional_init = list(model.suggested_init())
    conditional_init[poi] = 0.0

    def z0():
        free = mle.fit_minimum(model)
        background_only = mle.fit_minimum(model, init_pars=conditional_init, bounds=conditional_bounds)
        return float(np.sqrt(max(0.0, 2.0 * (background_only.nll - free.nll)))) if free.parameters[poi] >= 0 else 0.0

    curve = lambda: nextstat.cls_curve(model, [1.0, 2.0])  # noqa: E731  (it takes at least two points)
    hypotest = lambda: nextstat.hypotest(1.0, model)  # noqa: E731
    z0_s, z0_value = timed(z0, rounds=5, min_seconds=0.05, max_seconds=30.0)
    curve_s, c = timed(curve, rounds=5, min_seconds=0.05, max_seconds=30.0)
    hypotest_s, cls = timed(hypotest, rounds=5, min_seconds=0.05, max_seconds=30.0)
    out = {"version": nextstat.__version__, "z0Ms": z0_s * 1e3, "z0": z0_value, "clsCurveMs": curve_s * 1e3, "hypotestMs": hypotest_s * 1e3, "cls": float(cls)}
    out["clsCurve"] = c if isinstance(c, (dict, list, float)) else str(c)[:400]
    if with_ranking:
        t0 = time.perf_counter()
        ranked = nextstat.ranking(model)
        out["rankingS"] = time.perf_counter() - t0
        out["rankedParameters"] = len(ranked)
    return out


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def toys_comparison(folder, requested):
    """Histune toys (Rust, rayon) vs nextstat hypotest_toys on the 201-parameter model: a pilot of
    200 toys per hypothesis sizes the run; if `requested` per tool would exceed ~TOY_BUDGET_S, fewer
    run and the time is extrapolated linearly (marked)."""
    path = folder / "toys_50x4.json"
    path.write_text(json.dumps(toy_workspace()))
    nextstat, model = nextstat_model(path.read_text())
    pilot = 200
    h_pilot = histune_rust(path, "--toys", str(pilot), "--min-seconds", "0.05")
    t0 = time.perf_counter()
    nextstat.hypotest_toys(1.0, model, n_toys=pilot, seed=1)
    n_pilot_s = time.perf_counter() - t0
    per_toy = max(h_pilot["toysS"], n_pilot_s) / pilot
    n = int(min(requested, max(pilot, TOY_BUDGET_S / per_toy)))
    h = histune_rust(path, "--toys", str(n), "--min-seconds", "0.05")
    t0 = time.perf_counter()
    ns_cls = nextstat.hypotest_toys(1.0, model, n_toys=n, seed=1)
    ns_s = time.perf_counter() - t0
    return {
        "model": "50 channels x 4 bins, shapesys per bin",
        "nPars": h["nPars"],
        "toysPerHypothesis": n,
        "requestedToysPerHypothesis": requested,
        "extrapolated": n < requested,
        "histune": {"seconds": h["toysS"], "cls": h["toysCls"], "clsError": h["toysClsError"], "fits": h["toysFits"], "converged": h["toysConverged"], "threads": h["threads"],
                    "secondsFor10000": h["toysS"] * requested / n},
        "nextstat": {"seconds": ns_s, "cls": float(ns_cls), "secondsFor10000": ns_s * requested / n},
        "speedupOverNextstat": ratio(ns_s, h["toysS"]),
        "asymptoticClsHistune": h["cls"],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--toys", type=int, default=TARGETS["toys"], help="toys per hypothesis to aim for")
    parser.add_argument("--quick", action="store_true", help="no ATLAS model, 500 toys")
    args = parser.parse_args()
    started = time.perf_counter()
    build_rust()
    ranking_model = "synthetic_1000x100"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_models(folder, args.quick)
        node = histune_node(paths, ranking_model)
        for name, path in paths.items():
            text = path.read_text()
            extra = ["--ranking"] if name == ranking_model else []
            r = histune_rust(path, "--min-seconds", min_seconds(name), *extra)
            n = node[name]
            ref = pyhf_timings(json.loads(text))
            ns = nextstat_timings(text, with_ranking=name == ranking_model)
            rust_z0_ms, rust_h_ms = r["z0S"] * 1e3, r["hypotestS"] * 1e3
            row = {
                "model": name,
                "nPars": r["nPars"],
                "nBins": r["nMain"],
                "histuneRust": {
                    "z0Us": r["z0S"] * 1e6, "z0MinUs": r["z0MinS"] * 1e6, "z0": r["z0"], "z0Fits": r["z0Fits"],
                    "hypotestUs": r["hypotestS"] * 1e6, "hypotestMinUs": r["hypotestMinS"] * 1e6, "cls": r["cls"], "clsExpected": r["clsExpected"],
                    "hypotestFits": r["hypotestFits"], "converged": r["converged"], "compileUs": r["compileS"] * 1e6,
                    "nllAndGradUs": r["nllAndGradS"] * 1e6, "z0FunctionCalls": r["z0FunctionCalls"],
                },
                "histuneNode": {k: n[k] for k in ("z0TextUs", "z0ModelUs", "z0ModelMinUs", "z0ModelSyncUs", "hypotestTextUs", "hypotestModelUs", "hypotestModelMinUs", "z0", "cls")},
                "pyhf": ref,
                "nextstat": {k: v for k, v in ns.items() if k != "clsCurve"},
                "nextstatClsCurve": ns["clsCurve"],
                "speedups": {
                    "z0_pyhf_over_histune": ratio(ref["z0Ms"], rust_z0_ms),
                    "cls_band_pyhf_over_histune": ratio(ref["hypotestMs"], rust_h_ms),
                    "z0_nextstat_over_histune": ratio(ns["z0Ms"], rust_z0_ms),
                    "cls_band_nextstat_hypotest_over_histune": ratio(ns["hypotestMs"], rust_h_ms),
                    "cls_band_nextstat_cls_curve_2_points_over_histune": ratio(ns["clsCurveMs"], rust_h_ms),
                    "z0_nextstat_over_histune_node_model": ratio(ns["z0Ms"], n["z0ModelUs"] / 1e3),
                    "cls_band_nextstat_over_histune_node_model": ratio(ns["hypotestMs"], n["hypotestModelUs"] / 1e3),
                },
                "agreement": {
                    "z0_histune_minus_pyhf": r["z0"] - ref["z0"],
                    "z0_histune_minus_nextstat": r["z0"] - ns["z0"],
                    "cls_histune_minus_pyhf": r["cls"] - ref["cls"],
                    "cls_histune_minus_nextstat": r["cls"] - ns["cls"],
                },
            }
            sp = row["speedups"]
            row["targetsMet"] = {
                "pyhf_100x": all(x is not None and x >= TARGETS["speedup_over_pyhf"] for x in (sp["z0_pyhf_over_histune"], sp["cls_band_pyhf_over_histune"])),
                "nextstat_3x": all(x is not None and x >= TARGETS["speedup_over_nextstat"] for x in (sp["z0_nextstat_over_histune"], sp["cls_band_nextstat_hypotest_over_histune"])),
            }
            if name == "tutorial":
                row["targetsMet"]["z0_rust_20us"] = row["histuneRust"]["z0Us"] <= TARGETS["tutorial_z0_rust_us"]
                # Through Node: the blocking call meant for tiny models (inferTestStatisticSync);
                # the async one (a hop to the libuv pool and back) is recorded beside it.
                row["targetsMet"]["z0_node_60us"] = n["z0ModelSyncUs"] <= TARGETS["tutorial_z0_node_us"]
                row["targetsMet"]["z0_node_async_60us"] = n["z0ModelUs"] <= TARGETS["tutorial_z0_node_us"]
            if name == ranking_model:
                row["ranking"] = {
                    "histuneRustS": r["rankingS"], "histuneRustFits": r["rankingFits"], "histuneNodeS": n.get("rankingS"),
                    "rankedParameters": r["rankedParameters"], "nextstatS": ns.get("rankingS"), "nextstatRanked": ns.get("rankedParameters"),
                }
                row["targetsMet"]["ranking_1s"] = r["rankingS"] <= TARGETS["ranking_100_parameters_s"]
            rows.append(row)
            print(
                f"{name:34s} pars {row['nPars']:4d} | Z0: histune {row['histuneRust']['z0Us']:9.1f} µs (node {n['z0ModelUs']:9.1f}, sync {n['z0ModelSyncUs'] or float('nan'):7.1f}, text {n['z0TextUs']:9.1f}) "
                f"pyhf {ref['z0Ms']:9.2f} ms ({sp['z0_pyhf_over_histune']:7.0f}x) nextstat {ns['z0Ms']:8.3f} ms ({sp['z0_nextstat_over_histune']:5.1f}x) | "
                f"CLs+band: histune {row['histuneRust']['hypotestUs']:9.1f} µs (node {n['hypotestModelUs']:9.1f}) pyhf {ref['hypotestMs']:9.2f} ms "
                f"({sp['cls_band_pyhf_over_histune']:7.0f}x) nextstat {ns['hypotestMs']:8.3f} ms ({sp['cls_band_nextstat_hypotest_over_histune']:5.1f}x)",
                flush=True,
            )
        toys = toys_comparison(folder, 500 if args.quick else args.toys)
        print(
            f"toys ({toys['nPars']} pars, {toys['toysPerHypothesis']} per hypothesis{' — extrapolated to 10000' if toys['extrapolated'] else ''}): "
            f"histune {toys['histune']['seconds']:.2f} s, nextstat {toys['nextstat']['seconds']:.2f} s ({toys['speedupOverNextstat']:.1f}x)",
            flush=True,
        )
    report = {
        "benchmark": "infer_vs_references",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadAverageAtEnd": os.getloadavg()},
        "pyhf": pyhf.__version__,
        "targets": TARGETS,
        "notes": [
            "Histune Rust/Node times: median of 5 rounds (Min: the fastest round); pyhf and nextstat: medians via Python",
            "pyhf: numpy backend, default SLSQP (not the 1e-14 parity setting); Z0 = infer.test_statistics.q0 (two fits)",
            "nextstat Z0: two fit_minimum calls; CLs + band: nextstat.hypotest (same five fits; band not returned); clsCurveMs: cls_curve at 2 points",
            "speedups use Histune inside Rust; *_node_model ratios use the Node call on a compiled Model handle",
            "toys: per hypothesis (signal and background), q-tilde at mu = 1; secondsFor10000 extrapolates linearly when fewer ran",
        ],
        "seconds": time.perf_counter() - started,
        "results": rows,
        "toys": toys,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    print(f"wrote {OUT} in {report['seconds']:.0f} s")


if __name__ == "__main__":
    main()
