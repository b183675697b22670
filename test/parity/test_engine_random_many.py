"""The engine against pyhf 0.7.6 on 520 random workspaces (generate_workspaces.py): 480 small ones
(1–3 channels, every modifier type, random interpolation codes), 36 large ones (4–8 channels,
hundreds of parameters) and 4 huge ones (~1000 bins, ~220 parameters), some with zero counts.

Workspaces go to the engine in batches (one `evalMany` call per batch). Checked for each: parameter
names, inits, bounds, fixed flags and observed data as pyhf; NLL at the suggested init and two
random points, rel 1e-10; the analytic gradient against central differences of the NLL (1e-6
relative to max(1, |g|); step 1e-6·max(1, |x|), 1e-5 on the huge models). pyhf builds its models without schema validation (the generator's output
is validated by test_engine_random.py and here every 25th), to keep the run short.
"""

import json

import numpy as np
import pyhf
import pytest

from engine_client import Engine
from generate_workspaces import random_codes, random_points, random_workspace

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SMALL = [("small", seed) for seed in range(1000, 1480)]
LARGE = [("large", seed) for seed in range(100, 136)]
HUGE = [("huge", seed) for seed in range(4)]
BATCHES = [SMALL[k : k + 80] for k in range(0, len(SMALL), 80)] + [LARGE[:18], LARGE[18:], HUGE]


@pytest.fixture(scope="module")
def engine():
    e = Engine()
    yield e
    e.close()


def make(kind, seed):
    spec = random_workspace(seed, large=kind == "large", huge=kind == "huge")
    if kind == "small" and seed % 3 == 0:
        # zero counts in bins with background
        rng = np.random.default_rng(seed)
        obs = spec["observations"][int(rng.integers(len(spec["observations"])))]
        obs["data"][int(rng.integers(len(obs["data"])))] = 0.0
    return spec


def kink_free(x):
    # central differences across the kinks of code0/code1/code2 at α = 0 and ±1 are meaningless
    return np.where(np.isin(np.round(x, 2), [0.0, 1.0, -1.0]), x + 0.013, x)


def test_batches_cover_at_least_500_workspaces():
    assert sum(len(b) for b in BATCHES) >= 500
    assert len({s for b in BATCHES for s in b}) == sum(len(b) for b in BATCHES)


@pytest.mark.parametrize("batch", range(len(BATCHES)))
def test_layout_nll_and_gradient(engine, batch):
    items, checks = [], []
    for kind, seed in BATCHES[batch]:
        spec = make(kind, seed)
        normsys, histosys = random_codes(seed) if kind != "huge" else ("code4", "code4p")
        validate = seed % 25 == 0
        ws = pyhf.Workspace(spec, validate=validate)
        model = ws.model(validate=validate, modifier_settings={"normsys": {"interpcode": normsys}, "histosys": {"interpcode": histosys}})
        data = ws.data(model)
        rng = np.random.default_rng(seed)
        points = [np.asarray(model.config.suggested_init(), dtype=float)] + random_points(model, rng, 2)
        grad_points = [kink_free(random_points(model, rng, 1)[0])]
        expected = [float(-model.logpdf(x, data)[0]) for x in points]
        items.append(
            {
                "text": json.dumps(spec),
                "options": {"interpcodes": {"normsys": normsys, "histosys": histosys}},
                "points": [x.tolist() for x in points],
                "gradPoints": [x.tolist() for x in grad_points],
                # |NLL| ~ 3e3 on the huge models: a step of 1e-6 leaves ~1e-6 of rounding noise in
                # the difference quotient itself (ε·|NLL|/h), so they take 1e-5
                "h": 1e-5 if kind == "huge" else 1e-6,
            }
        )
        checks.append((kind, seed, model, data, expected))
    results = engine.call(op="evalMany", items=items)
    assert len(results) == len(items)
    for (kind, seed, model, data, expected), r in zip(checks, results):
        where = f"{kind} workspace, seed {seed}"
        assert "error" not in r, (where, r.get("error"))
        assert r["parNames"] == model.config.par_names, where
        assert r["suggestedInit"] == pytest.approx(list(model.config.suggested_init()), rel=1e-15), where
        assert r["suggestedBounds"] == [list(b) for b in model.config.suggested_bounds()], where
        assert r["suggestedFixed"] == list(model.config.suggested_fixed()), where
        np.testing.assert_allclose(r["observedData"], data, rtol=1e-14, err_msg=where)
        assert all(np.isfinite(expected)), where
        np.testing.assert_allclose(r["nll"], expected, rtol=1e-10, atol=0, err_msg=where)
        for g, numeric in zip(r["grad"], r["numericGrad"]):
            g, numeric = np.asarray(g), np.asarray(numeric)
            np.testing.assert_array_less(np.abs(g - numeric), 1e-6 * np.maximum(1.0, np.abs(g)), err_msg=where)
        if kind == "huge":
            assert model.config.npars >= 200 and sum(model.config.channel_nbins.values()) >= 850, where


@pytest.mark.parametrize("seed", [1003, 1100, 1201])
def test_gradient_against_central_differences_of_pyhf(engine, seed):
    """The engine's gradient against pyhf's own NLL (the batches difference the engine's NLL)."""
    spec = make("small", seed)
    normsys, histosys = random_codes(seed)
    ws = pyhf.Workspace(spec)
    model = ws.model(modifier_settings={"normsys": {"interpcode": normsys}, "histosys": {"interpcode": histosys}})
    data = ws.data(model)
    m = engine.compile(spec, normsys=normsys, histosys=histosys)
    x = kink_free(random_points(model, np.random.default_rng(seed), 1)[0])
    g = np.asarray(m.grad(x))
    nll = lambda p: float(-model.logpdf(p, data)[0])
    for i in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        numeric = (nll(up) - nll(down)) / (2 * h)
        assert g[i] == pytest.approx(numeric, abs=1e-6 * max(1.0, abs(numeric))), (i, model.config.par_names[i])
