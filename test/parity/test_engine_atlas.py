"""A published ATLAS likelihood (SUSY sbottom multi-b, ins1748602; scikit-hep-testdata's
pyhf-ins1748602-probability-models.tar.gz: per region a background-only workspace and one JSON
Patch per signal point) against pyhf 0.7.6: Histune's JSON Patch and patchsets give pyhf's signal
workspace, the digests agree, the NLL at pyhf's suggested init agrees to 1e-10, and the fit
reaches pyhf's minimum.

The tarball is fetched by skhep_testdata on first use (into ~/.local/skhepdata); without network
access and without that cache the test is skipped, saying so.
"""

import json
import tarfile
import warnings

import jsonpatch
import numpy as np
import pyhf
import pytest

from engine_client import Engine, EngineError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ARCHIVE = "pyhf-ins1748602-probability-models.tar.gz"
SIGNAL = "sbottom_1300_850_60"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    skhep_testdata = pytest.importorskip("skhep_testdata")
    try:
        path = skhep_testdata.data_path(ARCHIVE)
    except Exception as error:  # no network and no cached copy
        pytest.skip(f"{ARCHIVE} is not available: {type(error).__name__}")
    out = tmp_path_factory.mktemp("atlas")
    with tarfile.open(path) as tar:
        tar.extractall(out, filter="data")
    return out


@pytest.fixture(scope="module")
def engine():
    e = Engine()
    yield e
    e.close()


def region(archive, name):
    bkg_text = (archive / name / "BkgOnly.json").read_text()
    patch_text = (archive / name / f"patch.{SIGNAL}.json").read_text()
    return bkg_text, patch_text


def pyhf_model(spec):
    ws = pyhf.Workspace(spec)
    model = ws.model()
    return model, ws.data(model)


@pytest.mark.parametrize("name", ["RegionA", "RegionB", "RegionC"])
def test_patch_digest_and_nll_at_init(archive, engine, name):
    bkg_text, patch_text = region(archive, name)
    bkg, patch = json.loads(bkg_text), json.loads(patch_text)
    # pyhf's digest of the background-only workspace, as it would sit in a patchset
    assert engine.call(op="digest", text=bkg_text) == pyhf.utils.digest(bkg)
    assert engine.call(op="digest", text=bkg_text, algorithm="md5") == pyhf.utils.digest(bkg, algorithm="md5")

    signal_text = engine.call(op="applyPatch", text=bkg_text, patch=patch_text)
    signal = jsonpatch.apply_patch(bkg, patch)
    assert json.loads(signal_text) == signal

    model, data = pyhf_model(signal)
    m = engine.compile(signal_text)
    assert m.info["parNames"] == model.config.par_names
    init = model.config.suggested_init()
    expected = float(-model.logpdf(init, data)[0])
    assert m.nll(init) == pytest.approx(expected, rel=1e-10)


def test_patchset_matches_pyhf(archive, engine):
    bkg_text, patch_text = region(archive, "RegionB")
    bkg = json.loads(bkg_text)
    names = sorted(p.name.removeprefix("patch.").removesuffix(".json") for p in (archive / "RegionB").glob("patch.*.json"))[:4]
    patchset = {
        "metadata": {
            "description": "sbottom multi-b, region B",
            "digests": {"sha256": pyhf.utils.digest(bkg)},
            "labels": ["m_sbottom", "m_neutralino2", "m_neutralino1"],
            "references": {"hepdata": "ins1748602"},
        },
        "patches": [
            {
                "metadata": {"name": n, "values": [int(v) for v in n.split("_")[1:]]},
                "patch": json.loads((archive / "RegionB" / f"patch.{n}.json").read_text()),
            }
            for n in names
        ],
        "version": "1.0.0",
    }
    ps = pyhf.PatchSet(patchset)
    for n in names[:2]:
        ours = engine.call(op="applyPatchset", text=bkg_text, patchset=json.dumps(patchset), name=n)
        assert json.loads(ours) == dict(ps.apply(pyhf.Workspace(bkg), n))
    # a patchset made for another workspace is refused, as pyhf refuses it
    other = json.loads(bkg_text)
    other["observations"][0]["data"][0] += 1
    with pytest.raises(pyhf.exceptions.PatchSetVerificationError):
        ps.verify(other)
    with pytest.raises(EngineError) as refused:
        engine.call(op="applyPatchset", text=json.dumps(other), patchset=json.dumps(patchset), name=names[0])
    assert refused.value.code == "E_WORKSPACE"
    assert refused.value.path == "metadata.digests.sha256"


def test_fit_reaches_pyhf_minimum(archive, engine):
    bkg_text, patch_text = region(archive, "RegionB")
    signal_text = engine.call(op="applyPatch", text=bkg_text, patch=patch_text)
    model, data = pyhf_model(json.loads(signal_text))
    m = engine.compile(signal_text)

    _, default_twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    try:
        _, tight_twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    finally:
        pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer())

    ours = m.fit()  # from pyhf's suggested init
    assert ours["converged"], ours["status"]
    assert ours["twiceNll"] <= float(default_twice_nll) * (1 + 1e-12)
    assert ours["twiceNll"] == pytest.approx(float(tight_twice_nll), rel=1e-6)
    # our minimum, evaluated by pyhf
    assert float(-2 * model.logpdf(np.asarray(ours["bestfit"]), data)[0]) == pytest.approx(ours["twiceNll"], rel=1e-10)


# pyhf 0.7.6 default fits (numpy, SLSQP) of the other two regions with the same signal point; they
# take 3–8 s each, too long to rerun here.
PYHF_DEFAULT_TWICE_NLL = {"RegionA": 99.21983313723979, "RegionC": 102.36428698074508}


@pytest.mark.parametrize("name", sorted(PYHF_DEFAULT_TWICE_NLL))
def test_fit_of_the_other_regions(archive, engine, name):
    bkg_text, patch_text = region(archive, name)
    m = engine.compile(engine.call(op="applyPatch", text=bkg_text, patch=patch_text))
    ours = m.fit()
    assert ours["converged"], ours["status"]
    assert ours["twiceNll"] <= PYHF_DEFAULT_TWICE_NLL[name] * (1 + 1e-12)
    assert ours["twiceNll"] == pytest.approx(PYHF_DEFAULT_TWICE_NLL[name], rel=1e-6)
