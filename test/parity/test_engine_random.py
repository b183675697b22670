"""The engine against pyhf 0.7.6 on random workspaces (generate_workspaces.py): layout, NLL at random
points (rel 1e-10), expected data, the analytic gradient against central differences of pyhf's NLL
(1e-6), and fits against pyhf's SLSQP converged with tolerance 1e-14."""

import json

import numpy as np
import pyhf
import pytest

from engine_client import Engine
from generate_workspaces import random_codes, random_points, random_workspace

SEEDS = list(range(60))


# pyhf 0.7.6 uses jsonschema.RefResolver, deprecated in the jsonschema this venv has.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def engine():
    e = Engine()
    yield e
    e.close()


def build(engine, seed):
    spec = random_workspace(seed)
    normsys, histosys = random_codes(seed)
    ws = pyhf.Workspace(spec)
    model = ws.model(modifier_settings={"normsys": {"interpcode": normsys}, "histosys": {"interpcode": histosys}})
    return model, ws.data(model), engine.compile(spec, normsys=normsys, histosys=histosys)


@pytest.mark.parametrize("seed", SEEDS)
def test_layout_nll_and_expected_data(engine, seed):
    model, data, m = build(engine, seed)
    assert m.info["parNames"] == model.config.par_names
    assert m.info["suggestedInit"] == pytest.approx(list(model.config.suggested_init()), rel=1e-15)
    assert m.info["suggestedBounds"] == [list(b) for b in model.config.suggested_bounds()]
    assert m.info["suggestedFixed"] == list(model.config.suggested_fixed())
    np.testing.assert_allclose(m.info["observedData"], data, rtol=1e-14)
    rng = np.random.default_rng(seed)
    for x in [np.array(model.config.suggested_init())] + random_points(model, rng, 4):
        expected = float(-model.logpdf(x, data)[0])
        assert np.isfinite(expected)
        assert m.nll(x) == pytest.approx(expected, rel=1e-10), x
        np.testing.assert_allclose(m.expected(x), model.expected_data(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS[:30])
def test_gradient_against_central_differences_of_pyhf(engine, seed):
    model, data, m = build(engine, seed)
    rng = np.random.default_rng(1000 + seed)
    nll = lambda p: float(-model.logpdf(p, data)[0])
    for x in random_points(model, rng, 2):
        # stay clear of the kinks of code0/code1/code2 at α = 0 and ±1
        x = np.where(np.isin(np.round(x, 2), [0.0, 1.0, -1.0]), x + 0.013, x)
        g = np.array(m.grad(x))
        for i in range(len(x)):
            h = 1e-6 * max(1.0, abs(x[i]))
            up, down = x.copy(), x.copy()
            up[i] += h
            down[i] -= h
            numeric = (nll(up) - nll(down)) / (2 * h)
            assert g[i] == pytest.approx(numeric, abs=1e-6 * max(1.0, abs(numeric))), (i, model.config.par_names[i])


@pytest.mark.parametrize("seed", SEEDS[:20])
@pytest.mark.parametrize("codes", ["random", "default"])
def test_fits_reach_the_converged_pyhf_minimum(engine, seed, codes):
    spec = random_workspace(seed)
    normsys, histosys = random_codes(seed) if codes == "random" else ("code4", "code4p")
    ws = pyhf.Workspace(spec)
    model = ws.model(modifier_settings={"normsys": {"interpcode": normsys}, "histosys": {"interpcode": histosys}})
    data = ws.data(model)
    m = engine.compile(spec, normsys=normsys, histosys=histosys)
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-14))
    try:
        pars, twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    finally:
        pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer())
    ours = m.fit()
    # Minima on the kinks of code0/code1 are recognised (status Converged(Kink)). There pyhf's
    # SLSQP may stop a little early or in another local minimum: ours must not be worse.
    assert ours["converged"], ours["status"]
    smooth = normsys == "code4" and histosys == "code4p"
    if smooth:
        assert ours["twiceNll"] <= float(twice_nll) * (1 + 1e-9) + 1e-9
        assert ours["twiceNll"] == pytest.approx(float(twice_nll), rel=1e-7)
    else:
        assert ours["twiceNll"] <= float(twice_nll) * (1 + 1e-7)
    # Our minimum, evaluated by pyhf.
    assert float(-2 * model.logpdf(ours["bestfit"], data)[0]) == pytest.approx(ours["twiceNll"], rel=1e-11)


@pytest.mark.parametrize("seed", SEEDS)
def test_summary_parameters_match_pyhf(engine, seed):
    spec = random_workspace(seed)
    model = pyhf.Workspace(spec).model()
    summary = engine.call(op="summary", text=json.dumps(spec))
    assert [p["name"] for p in summary["parameters"]] == model.config.par_order
    assert [n for p in summary["parameters"] for n in p["componentNames"]] == model.config.par_names
    assert summary["nParameters"] == model.config.npars
    assert summary["nBins"] == sum(model.config.channel_nbins.values())
    for p in summary["parameters"]:
        s = model.config.par_slice(p["name"])
        assert p["inits"] == pytest.approx(model.config.suggested_init()[s], rel=1e-15)
        assert p["bounds"] == [list(b) for b in model.config.suggested_bounds()[s]]
        assert p["fixed"] == all(model.config.suggested_fixed()[s])
        paramset = model.config.param_set(p["name"])
        assert p["constraint"] == (paramset.pdf_type if paramset.constrained else None)
        assert p["auxdata"] == pytest.approx(list(paramset.auxdata) if paramset.constrained else [], rel=1e-15)


@pytest.mark.parametrize("seed", range(6))
def test_large_workspaces_nll_and_gradient(engine, seed):
    spec = random_workspace(seed, large=True)
    normsys, histosys = random_codes(seed)
    ws = pyhf.Workspace(spec)
    model = ws.model(modifier_settings={"normsys": {"interpcode": normsys}, "histosys": {"interpcode": histosys}})
    data = ws.data(model)
    m = engine.compile(spec, normsys=normsys, histosys=histosys)
    assert m.info["parNames"] == model.config.par_names
    assert model.config.npars > 50
    rng = np.random.default_rng(seed)
    for x in random_points(model, rng, 3):
        expected = float(-model.logpdf(x, data)[0])
        assert np.isfinite(expected)
        assert m.nll(x) == pytest.approx(expected, rel=1e-10)
    # the gradient along a random direction, against a central difference of pyhf's NLL
    x = random_points(model, rng, 1)[0]
    x = np.where(np.isin(np.round(x, 2), [0.0, 1.0, -1.0]), x + 0.013, x)
    direction = rng.normal(size=len(x))
    direction /= np.linalg.norm(direction)
    h = 1e-6
    numeric = (float(-model.logpdf(x + h * direction, data)[0]) - float(-model.logpdf(x - h * direction, data)[0])) / (2 * h)
    assert float(np.dot(m.grad(x), direction)) == pytest.approx(numeric, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("seed", SEEDS[:20])
def test_expected_yields_by_sample(engine, seed):
    model, data, m = build(engine, seed)
    x = random_points(model, np.random.default_rng(seed), 1)[0]
    theirs = np.asarray(model.main_model.expected_data(x, return_by_sample=True))
    ours = m.expected_by_sample(x)
    offsets = {}
    start = 0
    for c in model.config.channels:
        offsets[c] = start
        start += model.config.channel_nbins[c]
    seen = set()
    for s in ours:
        k = model.config.samples.index(s["sample"])
        lo = offsets[s["channel"]]
        np.testing.assert_allclose(s["yields"], theirs[k, lo : lo + len(s["yields"])], rtol=1e-12, atol=1e-12)
        seen.add((s["channel"], s["sample"]))
    # samples absent from a channel have no entry (pyhf fills zeros there)
    for k, sample in enumerate(model.config.samples):
        for c in model.config.channels:
            if (c, sample) not in seen:
                lo = offsets[c]
                assert not np.any(theirs[k, lo : lo + model.config.channel_nbins[c]])
