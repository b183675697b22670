"""Histune's JSON Patch, patchsets and workspace digest against Python's jsonpatch and pyhf 0.7.6:
the digest of the tutorial workspace, of every validation fixture, of random workspaces and of
awkward values (float reprs, unicode, control characters) equals `pyhf.utils.digest`; random
operation sequences give jsonpatch's document; failing operations report their index."""

import json

import jsonpatch
import numpy as np
import pyhf
import pytest

from engine_client import FIXTURES, ROOT, Engine, EngineError
from generate_workspaces import random_workspace

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CASES = json.loads((FIXTURES / "pyhf-validation" / "cases.json").read_text())
TUTORIAL = ROOT / "resources" / "examples" / "tutorial" / "workspace.json"


@pytest.fixture(scope="module")
def engine():
    e = Engine()
    yield e
    e.close()


def test_digest_of_the_tutorial_workspace(engine):
    text = TUTORIAL.read_text()
    assert engine.call(op="digest", text=text) == pyhf.utils.digest(json.loads(text))


def test_digest_of_fixtures_and_random_workspaces(engine):
    specs = [case["workspace"] for case in CASES.values()] + [random_workspace(seed) for seed in range(40)]
    for spec in specs:
        text = json.dumps(spec, indent=1)
        assert engine.call(op="digest", text=text) == pyhf.utils.digest(spec)
        assert engine.call(op="digest", text=text, algorithm="md5") == pyhf.utils.digest(spec, algorithm="md5")


def test_digest_of_awkward_values(engine):
    rng = np.random.default_rng(7)
    floats = [1e-4, 1e-5, 0.1 + 0.2, -0.0, 5e-324, 1.7976931348623157e308, 1e16, 9999999999999998.0, 123.0, 2.5e-300]
    floats += [float(np.float32(x)) for x in rng.uniform(0, 1, 200)]  # float32 values: halfway ties
    floats += list(10.0 ** rng.uniform(-12, 20, 200) * rng.choice([-1, 1], 200))
    obj = {
        "floats": floats,
        "ints": [0, -1, 2**53 + 1, 18446744073709551615, -(2**63)],
        "strings": ["é ü ß", "日本", "emoji 😀", "quote \" backslash \\ slash /", "ctl \x00\x01\x1f\x7f\t\n\r\b\f"],
        "zeta": {"b": None, "a": True, "A": False, "é": [], "": {}},
    }
    text = json.dumps(obj)
    assert engine.call(op="digest", text=text) == pyhf.utils.digest(obj)


def random_ops(doc, rng, count):
    """Valid operation sequences on a workspace (paths into channels, samples, data lists)."""
    ops = []
    current = json.loads(json.dumps(doc))
    for _ in range(count):
        channel = int(rng.integers(len(current["channels"])))
        samples = current["channels"][channel]["samples"]
        sample = int(rng.integers(len(samples)))
        data = samples[sample]["data"]
        base = f"/channels/{channel}/samples/{sample}"
        kind = rng.choice(["add", "remove", "replace", "move", "copy", "test", "add_end", "add_member"])
        if kind == "add":
            op = {"op": "add", "path": f"{base}/data/{int(rng.integers(len(data) + 1))}", "value": float(rng.uniform(0, 9))}
        elif kind == "add_end":
            op = {"op": "add", "path": f"{base}/data/-", "value": int(rng.integers(9))}
        elif kind == "add_member":
            op = {"op": "add", "path": f"{base}/x~1y~0", "value": {"k": [1, 2.5]}}
        elif kind == "remove" and len(data) > 1:
            op = {"op": "remove", "path": f"{base}/data/{int(rng.integers(len(data)))}"}
        elif kind == "replace":
            op = {"op": "replace", "path": f"{base}/name", "value": f"renamed_{int(rng.integers(99))}"}
        elif kind == "move" and len(data) > 1:
            op = {"op": "move", "from": f"{base}/data/0", "path": f"{base}/data/{len(data) - 1}"}
        elif kind == "copy":
            op = {"op": "copy", "from": f"{base}/data", "path": f"/observations/0/copied_{int(rng.integers(9))}"}
        else:
            op = {"op": "test", "path": f"{base}/data", "value": data}
        current = jsonpatch.apply_patch(current, [op])
        ops.append(op)
    return ops


def test_random_patches_agree_with_jsonpatch(engine):
    rng = np.random.default_rng(11)
    for seed in range(30):
        doc = random_workspace(seed)
        ops = random_ops(doc, rng, 12)
        ours = engine.call(op="applyPatch", text=json.dumps(doc), patch=json.dumps(ops))
        assert json.loads(ours) == jsonpatch.apply_patch(doc, ops), seed


@pytest.mark.parametrize(
    "ops, index, fragment",
    [
        ([{"op": "remove", "path": "/channels/9"}], 0, "out of range"),
        ([{"op": "test", "path": "/version", "value": "1.0.0"}, {"op": "test", "path": "/version", "value": "2"}], 1, "test failed"),
        ([{"op": "replace", "path": "/nothing", "value": 1}], 0, "no member 'nothing'"),
        ([{"op": "add", "path": "/channels/0/samples/0/data/99", "value": 1}], 0, "out of range"),
        ([{"op": "copy", "from": "/missing", "path": "/x"}], 0, "no member 'missing'"),
    ],
)
def test_patches_that_do_not_apply(engine, ops, index, fragment):
    doc = random_workspace(0)
    with pytest.raises(jsonpatch.JsonPatchException):
        jsonpatch.apply_patch(doc, ops)
    with pytest.raises(EngineError) as err:
        engine.call(op="applyPatch", text=json.dumps(doc), patch=json.dumps(ops))
    assert err.value.code == "E_WORKSPACE"
    assert err.value.path == f"[{index}]"
    assert f"patch operation {index} ({ops[index]['op']} '{ops[index]['path']}'" in str(err.value)
    assert fragment in str(err.value)


def test_malformed_patch_is_a_schema_error(engine):
    with pytest.raises(EngineError) as err:
        engine.call(op="applyPatch", text=TUTORIAL.read_text(), patch='[{"op": "add", "path": "/x"}]')
    assert err.value.code == "E_SCHEMA"
    assert err.value.path == "[0]"
    assert "missing 'value'" in str(err.value)
