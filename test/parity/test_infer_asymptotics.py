"""histune-infer's asymptotic calculator against pyhf 0.7.6 with tightly converged fits: every
validation case (its modifier settings and test statistic) against the fixture's tight_tol1e-14
values, the default-codes qtilde variant, and discovery (p0, Z0, expected Z0) against pyhf run
live on the q0 case and the tutorial workspace."""

import json

import numpy as np
import pyhf
import pytest
from scipy.stats import norm

from infer_client import CASES, TUTORIAL, Infer, InferError, options, pyhf_model, text_of, tight_pyhf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CLS_RTOL = 1e-6
SQRTQA_RTOL = 1e-7


@pytest.fixture(scope="module")
def infer():
    i = Infer()
    yield i
    i.close()


def check_against(result, ref):
    if result["testStat"] == "q0":
        assert result["cls"] == pytest.approx(ref["CLs_obs"], rel=CLS_RTOL)
        assert [result["clb"]] == pytest.approx(ref["tail_probs"], rel=CLS_RTOL)
    else:
        assert result["cls"] == pytest.approx(ref["CLs_obs"], rel=CLS_RTOL)
        assert [result["clsb"], result["clb"]] == pytest.approx(ref["tail_probs"], rel=CLS_RTOL)
    assert result["clsExpected"] == pytest.approx(ref["CLs_exp"], rel=CLS_RTOL)
    assert result["sqrtQAsimov"] == pytest.approx(ref["sqrtqmuA"], rel=SQRTQA_RTOL)
    # Aux entries are fitted θ values (|θ| ≪ 1 for some): absolute tolerance at the fits' precision.
    np.testing.assert_allclose(result["asimovData"], ref["asimov_data"], rtol=1e-6, atol=1e-6)
    assert result["fits"]["freeFitToData"]["twiceNll"] == pytest.approx(ref["twice_nll_free"], rel=1e-9)
    assert result["fits"]["fixedPoiFitToData"]["twiceNll"] == pytest.approx(ref["twice_nll_fixed_poi"], rel=1e-9)
    assert result["diagnostics"]["converged"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_validation_settings(infer, name):
    case = CASES[name]
    ref = case["tight_tol1e-14_validation_settings"]
    r = infer.call("inferHypotest", text_of(case["workspace"]), case["poi_test"], options(case, testStat=case["test_stat"]))
    assert r["testStat"] == case["test_stat"]
    check_against(r, ref)


@pytest.mark.parametrize("name", sorted(n for n in CASES if "tight_tol1e-14_default_codes_qtilde" in CASES[n]))
def test_default_codes_qtilde(infer, name):
    case = CASES[name]
    ref = case["tight_tol1e-14_default_codes_qtilde"]
    r = infer.call("inferHypotest", text_of(case["workspace"]), case["poi_test"], {"testStat": "qtilde"})
    check_against(r, ref)


def pyhf_discovery(workspace, modifier_settings=None):
    tight_pyhf()
    model, data = pyhf_model(workspace, modifier_settings)
    p0, tails, band = pyhf.infer.hypotest(0.0, data, model, test_stat="q0", return_tail_probs=True, return_expected_set=True)
    calc = pyhf.infer.calculators.AsymptoticCalculator(data, model, test_stat="q0")
    calc.teststatistic(0.0)
    return float(p0), float(tails[0]), [float(b) for b in band], float(calc.sqrtqmuA_v)


@pytest.mark.parametrize("source", ["1bin_shapesys_q0", "tutorial"])
def test_discovery_matches_pyhf(infer, source):
    if source == "tutorial":
        workspace, settings = json.loads(TUTORIAL.read_text()), None
    else:
        workspace, settings = CASES[source]["workspace"], CASES[source]["modifier_settings"]
    p0, clb, band, sqrt_q0a = pyhf_discovery(workspace, settings)
    opts = {} if settings is None else {"interpcodes": dict(settings)}
    d = infer.call("inferDiscovery", text_of(workspace), opts)
    assert d["p0"] == pytest.approx(p0, rel=CLS_RTOL)
    assert d["z0"] == pytest.approx(norm.isf(p0), rel=1e-6)
    assert d["z0Expected"] == pytest.approx(sqrt_q0a, rel=SQRTQA_RTOL)
    assert d["clb"] == pytest.approx(clb, rel=CLS_RTOL)
    assert d["p0Expected"] == pytest.approx(band, rel=CLS_RTOL)
    if source == "tutorial":
        assert d["p0"] == pytest.approx(0.0244, abs=5e-5)


@pytest.mark.parametrize("mu", [0.5, 1.0, 2.0])
def test_hello_world_qtilde_against_live_pyhf(infer, mu):
    tight_pyhf()
    model = pyhf.simplemodels.uncorrelated_background([12.0, 11.0], [50.0, 52.0], [3.0, 7.0])
    data = [51.0, 48.0] + model.config.auxdata
    cls, tails, band = pyhf.infer.hypotest(mu, data, model, test_stat="qtilde", return_tail_probs=True, return_expected_set=True)
    ws = {
        "channels": [{"name": "singlechannel", "samples": model.spec["channels"][0]["samples"]}],
        "observations": [{"name": "singlechannel", "data": [51.0, 48.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }
    r = infer.call("inferHypotest", json.dumps(ws), mu, {})
    assert r["cls"] == pytest.approx(float(cls), rel=CLS_RTOL)
    assert [r["clsb"], r["clb"]] == pytest.approx([float(t) for t in tails], rel=CLS_RTOL)
    assert r["clsExpected"] == pytest.approx([float(b) for b in band], rel=CLS_RTOL)


def test_bad_input_is_refused(infer):
    case = CASES["1bin_shapesys"]
    text = text_of(case["workspace"])
    for mu, opts, words in [
        (11.0, {}, "outside the bounds"),
        (-0.5, {}, "outside the bounds"),
        (1.0, {"fix": {"mu": 1.0}}, "is fixed"),
        (1.0, {"testStat": "tmu"}, "supports q0, q and qtilde"),
        (1.0, {"testStat": "nope"}, "unknown test statistic"),
    ]:
        with pytest.raises(InferError) as e:
            infer.call("inferHypotest", text, mu, opts)
        assert e.value.code == "E_BAD_REQUEST"
        assert words in str(e.value)
    broken = dict(case["workspace"], measurements=[{"name": "m", "config": {"poi": "nope", "parameters": []}}])
    with pytest.raises(InferError) as e:
        infer.call("inferHypotest", json.dumps(broken), 1.0, {})
    assert e.value.code == "E_WORKSPACE"
