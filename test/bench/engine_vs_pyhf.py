"""pyhf 0.7.6 (numpy, SLSQP at its default tolerance) timings on the workspaces engine.bench.mjs wrote,
for comparison. Writes test-results/bench/pyhf.json (or the path given as the first argument).

    node test/bench/engine.bench.mjs && .venv/bin/python test/bench/engine_vs_pyhf.py
"""

import json
import platform
import sys
import warnings
from pathlib import Path

import pyhf

warnings.simplefilter("ignore", DeprecationWarning)
ROOT = Path(__file__).resolve().parents[2]

from timing import median_time


def main():
    models_dir = ROOT / "test-results" / "bench" / "models"
    if not models_dir.is_dir():
        sys.exit("run `node test/bench/engine.bench.mjs` first: it writes the workspaces to time")
    results = []
    for path in sorted(models_dir.glob("*.json"), key=lambda p: p.stat().st_mtime):
        ws = pyhf.Workspace(json.loads(path.read_text()))
        model = ws.model()
        data = ws.data(model)
        init = model.config.suggested_init()
        logpdf_us = median_time(lambda: model.logpdf(init, data)) * 1e6
        rounds = 1 if model.config.npars >= 200 else 5
        fit_ms = median_time(lambda: pyhf.infer.mle.fit(data, model), rounds=rounds, min_seconds=0.0) * 1e3
        _, twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
        row = {"model": path.stem, "nPars": model.config.npars, "logpdfUs": logpdf_us, "fitMs": fit_ms, "twiceNll": float(twice_nll)}
        results.append(row)
        print(f"{path.stem:28s} pars {row['nPars']:4d}  logpdf {logpdf_us:8.1f} µs  fit {fit_ms:9.2f} ms")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "test-results" / "bench" / "pyhf.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "pyhf", "pyhf": pyhf.__version__, "python": platform.python_version(), "results": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
