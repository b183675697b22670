"""pyhf 0.7.6 reference values for histune-infer's hypothesis tests on the random workspaces of
generate_workspaces.py, with SLSQP converged to 1e-14 (as the validation fixtures' tight values).

pyhf at that tolerance takes from 0.1 s to several seconds per hypothesis test on these models, so
the values are computed once, stored in test/parity/fixtures/infer_generated.json and compared by
test_infer_generated.py (which re-runs a few of them live to show the file still matches pyhf).

    .venv/bin/python test/parity/infer_generated_reference.py [--count 240] [--jobs 2]
"""

import argparse
import logging
import json
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyhf

from generate_workspaces import random_codes, random_workspace

HERE = Path(__file__).resolve().parent
OUT = HERE / "fixtures" / "infer_generated.json"
TOLERANCE = 1e-14
# Upper limits (toms748) on the first few quick q̃ cases: each costs dozens of hypothesis tests.
LIMIT_CASES = 4
LIMIT_BUDGET_S = 0.4


def case_of(seed):
    """The workspace, interpolation codes, test statistic and tested μ of case `seed`."""
    normsys, histosys = random_codes(seed)
    kind = ["qtilde", "qtilde", "qtilde", "q", "q0"][seed % 5]
    rng = np.random.default_rng(20_000 + seed)
    mu = 0.0 if kind == "q0" else float(round(rng.uniform(0.3, 3.0), 3))
    return {
        "seed": seed,
        "workspace": random_workspace(seed),
        "interpcodes": {"normsys": normsys, "histosys": histosys},
        "test_stat": kind,
        "mu": mu,
    }


def tight_backend():
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=TOLERANCE))


def model_of(case):
    ws = pyhf.Workspace(case["workspace"])
    settings = {k: {"interpcode": v} for k, v in case["interpcodes"].items()}
    model = ws.model(modifier_settings={"normsys": settings["normsys"], "histosys": settings["histosys"]})
    return model, ws.data(model)


def twice_nll(model, pars, data):
    return float(-2.0 * model.logpdf(np.asarray(pars, dtype=float), np.asarray(data, dtype=float))[0])


def hypotest_reference(case):
    """pyhf's hypotest (tail probabilities, expected set), √qA, and every fit's parameters and 2·NLL."""
    model, data = model_of(case)
    kind, mu = case["test_stat"], case["mu"]
    calc = pyhf.infer.calculators.AsymptoticCalculator(data, model, test_stat=kind)
    teststat = calc.teststatistic(mu)
    splusb, b = calc.distributions(mu)
    clsb, clb, cls = (float(v) for v in calc.pvalues(teststat, splusb, b))
    clsb_exp, _, cls_exp = calc.expected_pvalues(splusb, b)
    fitted = calc.fitted_pars
    asimov_data = [float(v) for v in model.expected_data(fitted.asimov_pars)]
    is_q0 = kind == "q0"
    return {
        "cls": clsb if is_q0 else cls,
        "tail_probs": [clb] if is_q0 else [clsb, clb],
        "expected_set": [float(v) for v in (clsb_exp if is_q0 else cls_exp)],
        "sqrt_qmu_asimov": float(calc.sqrtqmuA_v),
        "asimov_data": asimov_data,
        "fits": {
            "free_fit_to_data": twice_nll(model, fitted.free_fit_to_data, data),
            "fixed_poi_fit_to_data": twice_nll(model, fitted.fixed_poi_fit_to_data, data),
            "asimov_fit_to_data": twice_nll(model, fitted.asimov_pars, data),
            "free_fit_to_asimov": twice_nll(model, fitted.free_fit_to_asimov, asimov_data),
            "fixed_poi_fit_to_asimov": twice_nll(model, fitted.fixed_poi_fit_to_asimov, asimov_data),
        },
        "asimov_pars": [float(v) for v in fitted.asimov_pars],
    }


def quiet():
    warnings.simplefilter("ignore")
    logging.getLogger("pyhf").setLevel(logging.ERROR)


def reference(seed):
    quiet()
    tight_backend()
    case = case_of(seed)
    started = time.process_time()
    try:
        out = {"seed": seed, "pyhf": hypotest_reference(case)}
    except Exception as e:  # pyhf's FailedMinimization and friends: recorded, the test skips them
        out = {"seed": seed, "pyhf_error": f"{type(e).__name__}: {e}"}
    out["cpu_seconds"] = time.process_time() - started
    return out


def limit_reference(seed):
    quiet()
    tight_backend()
    model, data = model_of(case_of(seed))
    try:
        obs, exp = pyhf.infer.intervals.upper_limits.toms748_scan(data, model, 0.0, 10.0, rtol=1e-8)
        return {"seed": seed, "observed": float(obs), "expected": [float(e) for e in exp]}
    except Exception as e:
        return {"seed": seed, "pyhf_error": f"{type(e).__name__}: {e}"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=240)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        cases = list(pool.map(reference, range(args.count)))
        quick = [
            c["seed"] for c in cases
            if "pyhf" in c and c["cpu_seconds"] < LIMIT_BUDGET_S and case_of(c["seed"])["test_stat"] == "qtilde"
        ][:LIMIT_CASES]
        limits = list(pool.map(limit_reference, quick))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "generator": "test/parity/generate_workspaces.py random_workspace(seed), random_codes(seed); case_of(seed) here",
        "pyhf": pyhf.__version__,
        "optimizer": f"scipy SLSQP, tolerance {TOLERANCE}",
        "cases": cases,
        "upper_limits": limits,
    }, indent=1))
    failed = sum("pyhf_error" in c for c in cases)
    print(f"{len(cases)} cases ({failed} pyhf failures), {len(limits)} limits in {time.perf_counter() - started:.0f} s -> {OUT}")


if __name__ == "__main__":
    main()
