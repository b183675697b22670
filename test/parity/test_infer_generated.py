"""histune-infer's asymptotic hypothesis tests on a few hundred random workspaces (every modifier
type, shared parameters, masking, lumi, odd interpolation codes; q̃, q and q0) against pyhf 0.7.6
with SLSQP converged to 1e-14, stored by infer_generated_reference.py, plus toms748 upper limits on
a few of them. A handful of stored cases are recomputed live so that the file is shown to be pyhf's.

Each case is compared in full (Histune's hypotest against pyhf's: CLs, tails and band to 1e-6
relative, √qA to 1e-7). pyhf's numpy backend fits with finite-difference gradients, which on
models of 10–20 parameters leaves its fitted *parameters* good to only ~1e-6 although its 2·NLL is
converged to ~1e-11; the Asimov data are built from the parameters of a fit, so pyhf's Asimov data
carry that 1e-6 and its √qA moves by ~1e-7. Where the full comparison misses for that reason, the
case is compared anchored: Histune's qA recomputed on pyhf's own Asimov data, and CLs, tails and
band formed from it, at the same tolerances; Histune's Asimov data must then agree with pyhf's to
1e-4 and come from a fit at least as deep as pyhf's (2·NLL on the observed data).

A case is skipped, with its reason recorded, only where pyhf's own tight fit failed or stopped
above the minimum Histune found (2·NLL on the same data); the skipped fraction is asserted to
stay small."""

import json
import logging
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from infer_client import Infer, InferError
from infer_generated_reference import OUT, case_of, hypotest_reference, model_of, tight_backend, twice_nll

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CLS_RTOL = 1e-6
SQRTQA_RTOL = 1e-7
LIMIT_RTOL = 1e-4
# pyhf's fit "stopped above" Histune's when its 2·NLL exceeds Histune's by more than this.
MINIMUM_MARGIN = 1e-9
# Both fits of a test statistic converge to ~1e-10 in 2·NLL, so q and qA agree to that absolutely
# and, below NOISE_Q, √q and √qA only to √1e-10: CLs and band are then compared to NOISE_ATOL.
NOISE_Q = 1e-8
NOISE_ATOL = 1e-5
# pyhf's fitted parameters, hence its Asimov data (main yields and aux θ), are good to ~1e-5.
ASIMOV_TOL = 1e-4
BAND = [2.0, 1.0, 0.0, -1.0, -2.0]
# Cases where Histune's free fit to the data converges into a shallower local minimum than pyhf's
# (one-sided code1 normsys: a V-shaped kink at α = 0 beside a smooth minimum; started from pyhf's
# point, Histune reaches pyhf's minimum). Known misses of the engine's fitter from the default
# inits (native/infer/ENGINE_REQUESTS.md #4); the test fails if the set changes either way.
KNOWN_HISTUNE_LOCAL_MINIMA = {179, 199}
MAX_SKIPPED_FRACTION = 0.05
MIN_COMPARED = 200
BATCH = 40
LIVE_SEEDS = [1, 3, 7]

REFERENCE = json.loads(Path(OUT).read_text())


@pytest.fixture(scope="module")
def infer():
    i = Infer()
    yield i
    i.close()


def histune_call(case):
    return (
        "inferHypotest",
        json.dumps(case["workspace"]),
        case["mu"],
        {"interpcodes": case["interpcodes"], "testStat": case["test_stat"]},
    )


def pvalues(kind, q, qa):
    """pyhf 0.7.6's asymptotic (CLs or p0, tails, band) from q and qA (Histune's convention CLs = 1
    at √qA = 0 for q̃)."""
    sq, sqa = np.sqrt(q), np.sqrt(qa)
    t = (q - qa) / (2 * sqa) if kind == "qtilde" and sq > sqa and sqa > 0 else sq - sqa
    clsb, clb = norm.sf(t + sqa), norm.sf(t)
    band = [norm.sf(n + sqa) if kind == "q0" else norm.sf(n + sqa) / norm.sf(n) for n in BAND]
    if kind == "q0":
        return clsb, [clb], band
    return clsb / clb, [clsb, clb], band


def compare(result, ref):
    """The first disagreement between Histune's result and pyhf's, or None."""
    noisy = min(result["q"], result["qAsimov"]) < NOISE_Q
    atol = NOISE_ATOL if noisy else 1e-12
    checks = [
        ("CLs", [result["cls"]], [ref["cls"]], CLS_RTOL),
        ("tail probabilities", [result["clsb"], result["clb"]] if len(ref["tail_probs"]) == 2 else [result["clb"]], ref["tail_probs"], CLS_RTOL),
        ("expected band", result["clsExpected"], ref["expected_set"], CLS_RTOL),
        ("sqrt(qA)", [result["sqrtQAsimov"]], [ref["sqrt_qmu_asimov"]], SQRTQA_RTOL),
    ]
    for what, ours, theirs, rtol in checks:
        ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
        if not np.allclose(ours, theirs, rtol=rtol, atol=atol):
            return f"{what}: histune {ours.tolist()} vs pyhf {theirs.tolist()}"
    return None


def anchored_call(case, ref):
    """Histune's qA on pyhf's Asimov data."""
    return (
        "inferTestStatistic",
        json.dumps(case["workspace"]),
        case["mu"],
        {"interpcodes": case["interpcodes"], "testStat": case["test_stat"], "data": ref["asimov_data"]},
    )


def compare_anchored(case, result, anchored, ref):
    """The full comparison's checks with Histune's qA taken on pyhf's Asimov data, plus the Asimov
    data themselves; the first disagreement or None."""
    qa = anchored["value"]
    cls, tails, band = pvalues(case["test_stat"], result["q"], qa)
    mixed = dict(result, cls=cls, clsb=tails[0], clb=tails[-1], clsExpected=band, sqrtQAsimov=np.sqrt(qa), qAsimov=qa)
    problem = compare(mixed, ref)
    if problem is not None:
        return f"on pyhf's Asimov data: {problem}"
    if not np.allclose(result["asimovData"], ref["asimov_data"], rtol=ASIMOV_TOL, atol=ASIMOV_TOL):
        worst = np.max(np.abs(np.asarray(result["asimovData"]) - ref["asimov_data"]))
        return f"Asimov data differ by up to {worst:.3g}"
    return None


def pyhf_above_histune(case, result, ref, anchored=None):
    """Where pyhf's tight fit stopped above Histune's minimum: the fit and Δ(2·NLL), else None."""
    model, data = model_of(case)
    fits = result["fits"]
    ours = {
        "free_fit_to_data": fits["freeFitToData"]["twiceNll"],
        "fixed_poi_fit_to_data": fits["fixedPoiFitToData"]["twiceNll"],
        "asimov_fit_to_data": twice_nll(model, fits["asimovPars"], data),
    }
    # The Asimov fits compare only on the same Asimov data: pyhf's, refitted by Histune.
    if anchored is not None:
        ours["free_fit_to_asimov"] = anchored["freeFit"]["twiceNll"]
        ours["fixed_poi_fit_to_asimov"] = anchored["conditionalFit"]["twiceNll"]
    for fit, value in ours.items():
        if ref["fits"][fit] - value > MINIMUM_MARGIN:
            return fit, ref["fits"][fit] - value
    return None


def histune_above_pyhf(result, ref):
    """Where Histune's fit to the observed data stopped above pyhf's: the fit and Δ(2·NLL), else None."""
    fits = result["fits"]
    for fit, value in [("free_fit_to_data", fits["freeFitToData"]["twiceNll"]), ("fixed_poi_fit_to_data", fits["fixedPoiFitToData"]["twiceNll"])]:
        if value - ref["fits"][fit] > MINIMUM_MARGIN:
            return fit, value - ref["fits"][fit]
    return None


@pytest.fixture(scope="module")
def outcomes(infer):
    """Per case: ('full', None), ('anchored', the full comparison's miss), ('skip', reason) or
    ('fail', reason)."""
    cases = list(REFERENCE["cases"])
    out = {}
    for start in range(0, len(cases), BATCH):
        chunk = cases[start:start + BATCH]
        specs = [case_of(c["seed"]) for c in chunk]
        results = infer.call_many([histune_call(s) for s in specs])
        missed = {}
        for stored, spec, result in zip(chunk, specs, results):
            seed = stored["seed"]
            if "pyhf_error" in stored:
                out[seed] = ("skip", f"pyhf's tight fit failed: {stored['pyhf_error'][:200]}")
            elif isinstance(result, InferError):
                out[seed] = ("fail", f"histune refused: {result}")
            elif not result["diagnostics"]["converged"]:
                out[seed] = ("fail", f"histune did not converge: {result['diagnostics']['warnings']}")
            elif np.isnan(stored["pyhf"]["cls"]) and stored["pyhf"]["sqrt_qmu_asimov"] == 0.0:
                # pyhf 0.7.6 divides 0/0 for q̃ at √qA = 0; Histune's documented value is CLs = 1.
                same = result["sqrtQAsimov"] < np.sqrt(NOISE_Q) and result["cls"] == 1.0
                out[seed] = ("convention", None) if same else ("fail", f"pyhf's √qA = 0 (CLs 0/0) but histune {result['sqrtQAsimov']}, CLs {result['cls']}")
            else:
                problem = compare(result, stored["pyhf"])
                if problem is None:
                    out[seed] = ("full", None)
                else:
                    missed[seed] = (stored, spec, result, problem)
        anchored = infer.call_many([anchored_call(spec, stored["pyhf"]) for stored, spec, _, _ in missed.values()])
        for (seed, (stored, spec, result, problem)), a in zip(missed.items(), anchored):
            ref = stored["pyhf"]
            if isinstance(a, InferError):
                out[seed] = ("fail", f"{problem}; histune refused pyhf's Asimov data: {a}")
                continue
            model, data = model_of(spec)
            deeper = twice_nll(model, result["fits"]["asimovPars"], data) <= ref["fits"]["asimov_fit_to_data"] + MINIMUM_MARGIN
            second = compare_anchored(spec, result, a, ref)
            if second is None and deeper:
                out[seed] = ("anchored", problem)
                continue
            above = pyhf_above_histune(spec, result, ref, a)
            below = histune_above_pyhf(result, ref)
            if above is not None:
                out[seed] = ("skip", f"pyhf's {above[0]} stopped {above[1]:.3g} above Histune's 2·NLL ({problem})")
            elif below is not None:
                out[seed] = ("histune above", f"Histune's {below[0]} stopped {below[1]:.3g} above pyhf's 2·NLL ({problem})")
            else:
                out[seed] = ("fail", f"{problem}; {second or 'Histune’s Asimov fit is shallower than pyhf’s'}")
    return out


def test_reference_file_covers_enough_cases():
    assert REFERENCE["pyhf"] == "0.7.6"
    assert "1e-14" in REFERENCE["optimizer"]
    kinds = {case_of(c["seed"])["test_stat"] for c in REFERENCE["cases"]}
    assert kinds == {"qtilde", "q", "q0"}
    assert len(REFERENCE["cases"]) >= MIN_COMPARED


def test_hypotests_match_pyhf(outcomes):
    failures = {s: r for s, (kind, r) in outcomes.items() if kind == "fail"}
    skipped = {s: r for s, (kind, r) in outcomes.items() if kind == "skip"}
    full = sum(kind == "full" for kind, _ in outcomes.values())
    anchored = sum(kind == "anchored" for kind, _ in outcomes.values())
    convention = sum(kind == "convention" for kind, _ in outcomes.values())
    compared = full + anchored
    log = logging.getLogger(__name__)
    log.warning(
        "%d cases: %d match in full, %d on pyhf's Asimov data, %d at pyhf's √qA = 0 (CLs 0/0 there, 1 here), %d skipped, %d failed",
        len(outcomes), full, anchored, convention, len(skipped), len(failures),
    )
    for seed, reason in sorted(skipped.items()):
        log.warning("seed %d skipped: %s", seed, reason)
    histune_above = {s: r for s, (kind, r) in outcomes.items() if kind == "histune above"}
    for seed, reason in sorted(histune_above.items()):
        log.warning("seed %d: %s", seed, reason)
    assert not failures, "\n".join(f"seed {s}: {r}" for s, r in sorted(failures.items()))
    assert set(histune_above) == KNOWN_HISTUNE_LOCAL_MINIMA, histune_above
    assert len(skipped) <= MAX_SKIPPED_FRACTION * len(outcomes), skipped
    assert compared >= MIN_COMPARED


@pytest.mark.parametrize("seed", LIVE_SEEDS)
def test_stored_reference_is_pyhf_live(seed):
    """The stored values are what pyhf 0.7.6 (tight) computes now, for a few cheap cases."""
    stored = next(c for c in REFERENCE["cases"] if c["seed"] == seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight_backend()
        live = hypotest_reference(case_of(seed))
    assert live["cls"] == pytest.approx(stored["pyhf"]["cls"], rel=1e-9)
    assert live["expected_set"] == pytest.approx(stored["pyhf"]["expected_set"], rel=1e-9)
    assert live["sqrt_qmu_asimov"] == pytest.approx(stored["pyhf"]["sqrt_qmu_asimov"], rel=1e-9)


def test_upper_limits_match_pyhf_toms748(infer):
    limits = [l for l in REFERENCE["upper_limits"] if "pyhf_error" not in l]
    assert len(limits) >= 3
    specs = [case_of(l["seed"]) for l in limits]
    results = infer.call_many([
        ("inferUpperLimit", json.dumps(s["workspace"]), {"interpcodes": s["interpcodes"], "rtol": 1e-7}) for s in specs
    ])
    for ref, r in zip(limits, results):
        assert not isinstance(r, InferError), r
        assert r["observed"] == pytest.approx(ref["observed"], rel=LIMIT_RTOL), ref["seed"]
        assert r["expected"] == pytest.approx(ref["expected"], rel=LIMIT_RTOL), ref["seed"]
