"""The engine against pyhf 0.7.6 on the validation cases (shared/fixtures/pyhf-validation/cases.json):
parameter layout, logpdf at init (rel 1e-12, pyhf run live and the fixture), converged fits
(twice_nll rel 1e-9, POI abs 1e-5 against pyhf's tight_tol1e-14 fits)."""

import json

import numpy as np
import pyhf
import pytest

from engine_client import FIXTURES, Engine

CASES = json.loads((FIXTURES / "pyhf-validation" / "cases.json").read_text())


# pyhf 0.7.6 uses jsonschema.RefResolver, deprecated in the jsonschema this venv has.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def engine():
    e = Engine()
    yield e
    e.close()


def pyhf_model(case):
    ws = pyhf.Workspace(case["workspace"])
    settings = {k: {"interpcode": v} for k, v in case["modifier_settings"].items()}
    model = ws.model(modifier_settings=settings)
    return model, ws.data(model)


def engine_model(engine, case):
    return engine.compile(case["workspace"], **case["modifier_settings"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_layout_matches_pyhf(engine, name):
    case = CASES[name]
    model, data = pyhf_model(case)
    m = engine_model(engine, case)
    assert m.info["parNames"] == model.config.par_names
    assert m.info["suggestedInit"] == list(model.config.suggested_init())
    assert m.info["suggestedBounds"] == [list(b) for b in model.config.suggested_bounds()]
    assert m.info["suggestedFixed"] == list(model.config.suggested_fixed())
    assert m.info["poiIndex"] == model.config.poi_index
    np.testing.assert_allclose(m.info["observedData"], data, rtol=1e-15)


@pytest.mark.parametrize("name", sorted(CASES))
def test_logpdf_at_init(engine, name):
    case = CASES[name]
    model, data = pyhf_model(case)
    m = engine_model(engine, case)
    init = model.config.suggested_init()
    ours = -m.nll(init)
    assert ours == pytest.approx(float(model.logpdf(init, data)[0]), rel=1e-12)
    assert ours == pytest.approx(case["logpdf_at_init"], rel=1e-12)
    np.testing.assert_allclose(m.expected(init), model.expected_data(init), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_converged_fits(engine, name):
    case = CASES[name]
    tight = case["tight_tol1e-14_validation_settings"]
    m = engine_model(engine, case)
    poi = m.info["poiIndex"]
    free = m.fit()
    assert free["converged"], free["status"]
    assert free["twiceNll"] == pytest.approx(tight["twice_nll_free"], rel=1e-9)
    assert abs(free["bestfit"][poi] - tight["free_fit_to_data"][poi]) < 1e-5
    fixed = m.fit(fixPoi=case["poi_test"])
    assert fixed["converged"], fixed["status"]
    np.testing.assert_allclose(fixed["bestfit"], tight["fixed_poi_fit_to_data"], atol=1e-5)


def test_workspace_errors_carry_codes_and_paths(engine):
    spec = json.loads(json.dumps(CASES["1bin_shapesys"]["workspace"]))
    spec["channels"][0]["samples"][1]["modifiers"][0]["data"] = [1.0, 2.0]
    with pytest.raises(Exception) as info:
        engine.compile(spec)
    assert info.value.code == "E_WORKSPACE"
    assert info.value.path == "channels[0].samples[1].modifiers[0].data"
