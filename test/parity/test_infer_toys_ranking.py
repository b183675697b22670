"""Toys and impact rankings of histune-infer. Toys: p0 on a one-bin counting experiment against the
exact Poisson p-value (within 3 Monte-Carlo standard errors), reproducibility per seed. Ranking:
post-fit uncertainties against a finite-difference Hessian of pyhf's logpdf, each impact against
pyhf's own conditional fit, and zero impact for a parameter decoupled from the POI."""

import json

import numpy as np
import pyhf
import pytest
from scipy.stats import poisson

from infer_client import CASES, Infer, pyhf_model, text_of, tight_pyhf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def one_bin(s, b, n):
    return {
        "channels": [{"name": "c", "samples": [
            {"name": "signal", "data": [s], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "background", "data": [b], "modifiers": []},
        ]}],
        "observations": [{"name": "c", "data": [n]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


DECOUPLED = {
    "channels": [
        {"name": "SR", "samples": [
            {"name": "signal", "data": [8.0, 12.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "background", "data": [40.0, 30.0], "modifiers": [
                {"name": "bkg_norm", "type": "normsys", "data": {"lo": 0.9, "hi": 1.12}},
                {"name": "stat", "type": "staterror", "data": [2.0, 2.5]}]}]},
        {"name": "CR", "samples": [
            {"name": "other", "data": [100.0], "modifiers": [{"name": "decoupled", "type": "normsys", "data": {"lo": 0.8, "hi": 1.2}}]}]},
    ],
    "observations": [{"name": "SR", "data": [55.0, 41.0]}, {"name": "CR", "data": [108.0]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
    "version": "1.0.0",
}


@pytest.fixture(scope="module")
def infer():
    i = Infer()
    yield i
    i.close()


@pytest.mark.parametrize("b,n,seed", [(50.0, 62.0, 11), (8.0, 13.0, 12)])
def test_toy_p0_matches_the_exact_poisson_p_value(infer, b, n, seed):
    r = infer.call("inferToys", json.dumps(one_bin(5.0, b, n)), 0.0, {"testStat": "q0", "nToys": 2000, "seed": seed})
    exact = float(poisson.sf(n - 1, b))
    assert abs(r["p0"] - exact) < 3 * r["p0Error"], (r["p0"], r["p0Error"], exact)
    assert r["nToys"] == 2000 and len(r["signalTeststats"]) == 2000
    assert r["diagnostics"]["converged"]


def test_toys_are_reproducible(infer):
    text = json.dumps(one_bin(5.0, 20.0, 26.0))
    a = infer.call("inferToys", text, 1.0, {"nToys": 50, "seed": 3})
    b = infer.call("inferToys", text, 1.0, {"nToys": 50, "seed": 3})
    c = infer.call("inferToys", text, 1.0, {"nToys": 50, "seed": 4})
    assert a["signalTeststats"] == b["signalTeststats"] and a["cls"] == b["cls"]
    assert a["signalTeststats"] != c["signalTeststats"]


def hessian_uncertainties(model, data, bestfit, free):
    """σ from a central-difference Hessian of −logpdf (step 1e-4) on the free parameters."""
    nll = lambda p: -float(model.logpdf(np.asarray(p), data)[0])
    idx = [i for i in range(len(bestfit)) if free[i]]
    h = 1e-4
    H = np.zeros((len(idx), len(idx)))
    for a, i in enumerate(idx):
        for c, j in enumerate(idx):
            def f(di, dj):
                p = np.array(bestfit, dtype=float)
                p[i] += di
                p[j] += dj
                return nll(p)
            H[a, c] = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h * h)
    cov = np.linalg.inv(H)
    out = np.zeros(len(bestfit))
    out[idx] = np.sqrt(np.diag(cov))
    return out


@pytest.mark.parametrize("name", ["2bin_2channel_couplednorm", "2bin_histosys", "1bin_lumi"])
def test_impacts_match_pyhf_conditional_fits(infer, name):
    tight_pyhf()
    case = CASES[name]
    model, data = pyhf_model(case["workspace"], case["modifier_settings"])
    r = infer.call("inferRanking", text_of(case["workspace"]), {"interpcodes": dict(case["modifier_settings"])})
    poi = model.config.poi_index
    bestfit, twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    free = [not f for f in model.config.suggested_fixed()]
    sigma = hessian_uncertainties(model, data, bestfit, free)
    # SLSQP leaves ~1e-5 in μ along flat directions even at tolerance 1e-14 (couplednorm: our fit
    # reaches a lower NLL, matching the fixture's independent check), hence the tolerances below.
    assert 2 * r["diagnostics"]["minNll"] <= float(twice_nll) + 1e-9
    assert r["muHat"] == pytest.approx(float(bestfit[poi]), abs=2e-5)
    assert r["muHatUncertainty"] == pytest.approx(sigma[poi], rel=1e-4)
    bounds = model.config.suggested_bounds()
    for impact in r["impacts"]:
        i = impact["index"]
        assert impact["uncertainty"] == pytest.approx(sigma[i], rel=1e-4)
        for key, value in [("postfitUp", impact["bestfit"] + impact["uncertainty"]), ("postfitDown", impact["bestfit"] - impact["uncertainty"])]:
            value = min(max(value, bounds[i][0]), bounds[i][1])
            init = model.config.suggested_init()
            init[i] = value
            fixed = model.config.suggested_fixed()
            fixed[i] = True
            mu = float(pyhf.infer.mle.fit(data, model, init_pars=init, fixed_params=fixed)[poi])
            assert impact[key] == pytest.approx(mu - float(bestfit[poi]), abs=3e-5), (impact["name"], key)
    totals = [i["total"] for i in r["impacts"]]
    assert totals == sorted(totals, reverse=True)


def test_decoupled_parameter_has_no_impact(infer):
    r = infer.call("inferRanking", json.dumps(DECOUPLED), {})
    d = next(i for i in r["impacts"] if i["name"] == "decoupled")
    for key in ["postfitUp", "postfitDown", "prefitUp", "prefitDown"]:
        assert abs(d[key]) < 1e-6
    assert d["pull"] > 0.1
    assert r["impacts"][-1]["name"] == "decoupled"
    top = infer.call("inferRanking", json.dumps(DECOUPLED), {"topN": 1})
    assert len(top["impacts"]) == 1 and top["nRanked"] == 4
