"""Test statistics, upper limits and profile scans of histune-infer against pyhf 0.7.6 run live with
tightly converged fits: qμ, q̃μ, tμ, t̃μ and q0 (μ̂ inside, above and below the tested μ, and a POI
open below 0), toms748 upper limits, and a profile scan against pyhf's fixed-parameter fits."""

import json

import numpy as np
import pyhf
import pytest

from infer_client import CASES, Infer, pyhf_model, text_of, tight_pyhf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HELLO = {
    "channels": [{"name": "singlechannel", "samples": [
        {"name": "signal", "data": [12.0, 11.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "background", "data": [50.0, 52.0], "modifiers": [{"name": "uncorr_bkguncrt", "type": "shapesys", "data": [3.0, 7.0]}]},
    ]}],
    "observations": [{"name": "singlechannel", "data": [62.0, 63.0]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
    "version": "1.0.0",
}


@pytest.fixture(scope="module")
def infer():
    i = Infer()
    yield i
    i.close()


STATS = {
    "q": pyhf.infer.test_statistics.qmu,
    "qtilde": pyhf.infer.test_statistics.qmu_tilde,
    "tmu": pyhf.infer.test_statistics.tmu,
    "tmu_tilde": pyhf.infer.test_statistics.tmu_tilde,
}


@pytest.mark.parametrize("stat", sorted(STATS))
@pytest.mark.parametrize("mu", [0.3, 1.0, 2.5])
@pytest.mark.parametrize("poi_lo", [0.0, -3.0])
def test_mu_statistics(infer, stat, mu, poi_lo):
    # Data above the background: μ̂ ≈ 0.9, so μ = 0.3 has μ̂ > μ (q = 0, t > 0).
    tight_pyhf()
    model, data = pyhf_model(HELLO)
    bounds = model.config.suggested_bounds()
    bounds[model.config.poi_index] = (poi_lo, 10.0)
    init = model.config.suggested_init()
    ref = float(STATS[stat](mu, data, model, init, bounds, model.config.suggested_fixed()))
    r = infer.call("inferTestStatistic", json.dumps(HELLO), mu, {"testStat": stat, "bounds": [list(b) for b in bounds]})
    assert r["value"] == pytest.approx(ref, rel=1e-6, abs=1e-9)
    if stat == "q" and mu == 0.3:
        assert r["muHat"] > mu and r["value"] == 0.0
    if stat == "tmu" and mu == 0.3:
        assert r["value"] > 0.0
    assert (len(r["diagnostics"]["warnings"]) > 0) == (stat.endswith("tilde") and poi_lo != 0.0)


@pytest.mark.parametrize("observed", [[45.0, 44.0], [62.0, 63.0]])
def test_q0_with_an_open_poi(infer, observed):
    # A deficit gives μ̂ < 0 once the POI may go negative, and q0 = 0.
    tight_pyhf()
    ws = dict(HELLO, observations=[{"name": "singlechannel", "data": observed}])
    model, data = pyhf_model(ws)
    bounds = model.config.suggested_bounds()
    bounds[model.config.poi_index] = (-5.0, 10.0)
    ref = float(pyhf.infer.test_statistics.q0(0.0, data, model, model.config.suggested_init(), bounds, model.config.suggested_fixed()))
    r = infer.call("inferTestStatistic", json.dumps(ws), 0.0, {"testStat": "q0", "bounds": [list(b) for b in bounds]})
    assert r["value"] == pytest.approx(ref, rel=1e-6, abs=1e-9)
    if observed[0] < 50:
        assert r["muHat"] < 0 and r["value"] == 0.0


def test_upper_limits_match_pyhf_toms748(infer):
    tight_pyhf()
    model, data = pyhf_model(HELLO)
    obs, exp = pyhf.infer.intervals.upper_limits.upper_limit(data, model, rtol=1e-8)
    r = infer.call("inferUpperLimit", json.dumps(HELLO), {"rtol": 1e-7})
    assert r["observed"] == pytest.approx(float(obs), rel=1e-5)
    assert r["expected"] == pytest.approx([float(e) for e in exp], rel=1e-5)
    # The default tolerance meets 1e-4 relative.
    d = infer.call("inferUpperLimit", json.dumps(HELLO), {})
    assert d["observed"] == pytest.approx(float(obs), rel=1e-4)
    assert d["expected"] == pytest.approx([float(e) for e in exp], rel=1e-4)
    assert d["diagnostics"]["converged"]


def test_limit_at_another_confidence_level(infer):
    tight_pyhf()
    model, data = pyhf_model(HELLO)
    # pyhf 0.7.6 ignores `level` on the toms748 path; a fine scan with interpolation stands in.
    scan = np.linspace(0.4, 2.4, 201)
    obs, exp = pyhf.infer.intervals.upper_limits.upper_limit(data, model, scan=scan, level=0.1)
    r = infer.call("inferUpperLimit", json.dumps(HELLO), {"cl": 0.9, "rtol": 1e-7})
    assert r["observed"] == pytest.approx(float(obs), rel=1e-4)
    assert r["expected"] == pytest.approx([float(e) for e in exp], rel=1e-4)


@pytest.mark.parametrize("name", ["2bin_2channel_coupledhistosys", "1bin_lumi"])
def test_profile_scan_matches_pyhf_fixed_fits(infer, name):
    tight_pyhf()
    case = CASES[name]
    model, data = pyhf_model(case["workspace"], case["modifier_settings"])
    names = model.config.par_names
    parameter = [n for n in names if n != "mu"][0]
    index = names.index(parameter)
    lo, hi = -1.0, 1.0
    if parameter == "lumi":
        lo, hi = 0.8, 1.2
    r = infer.call("inferProfileScan", text_of(case["workspace"]), parameter, lo, hi, 5,
                   {"interpcodes": dict(case["modifier_settings"])})
    free = float(pyhf.infer.mle.fit(data, model, return_fitted_val=True)[1])
    for v, twice_nll in zip(r["values"], r["twiceNll"]):
        init = model.config.suggested_init()
        init[index] = v
        fixed = model.config.suggested_fixed()
        fixed[index] = True
        ref = float(pyhf.infer.mle.fit(data, model, init_pars=init, fixed_params=fixed, return_fitted_val=True)[1])
        assert twice_nll == pytest.approx(ref, rel=1e-9)
    assert r["twiceNllMin"] == pytest.approx(free, rel=1e-9)
    assert all(r["converged"])
