"""What the studio's ROOT browser shows (histune-ntuple `list_contents` and `summarize`, through the
`root_contents` example) against uproot + numpy: trees, entry counts, branch names and types, and a
branch's range, weighted mean and equal-width histogram (numpy's bins, last one closed) to 1e-9."""

import json
import subprocess
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "ntuples"
EXAMPLES = ROOT / "resources" / "examples" / "ntuples"


def root_contents(*args):
    command = [
        "cargo", "run", "--release", "-q",
        "--manifest-path", str(ROOT / "native" / "Cargo.toml"),
        "-p", "histune-ntuple", "--example", "root_contents", "--", *map(str, args),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def listing(path):
    result = root_contents("--file", path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def summary(path, tree, observable, weight="1", selection=None, bins=50, value_range=None):
    args = ["--file", path, "--tree", tree, "--observable", observable, "--weight", weight, "--bins", bins]
    if selection is not None:
        args += ["--selection", selection]
    if value_range is not None:
        args += ["--range", f"{value_range[0]!r},{value_range[1]!r}"]
    result = root_contents(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("path", [
    FIXTURES / "prediction.root", FIXTURES / "data.root",
    EXAMPLES / "prediction.root", EXAMPLES / "data.root",
], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_trees_entries_and_branches_match_uproot(path):
    got = listing(path)
    reference = uproot.open(path)
    trees = {k.split(";")[0]: reference[k] for k, c in reference.classnames().items() if c == "TTree"}
    assert [k["name"] for k in got["keys"]] == list(trees)
    for key in got["keys"]:
        tree = trees[key["name"]]
        assert key["className"] == "TTree"
        assert key["tree"]["entries"] == tree.num_entries
        assert [b["name"] for b in key["tree"]["branches"]] == [b.name for b in tree.branches]
        assert [b["typeName"] for b in key["tree"]["branches"]] == [b.typename for b in tree.branches]
        assert all(b["readable"] for b in key["tree"]["branches"])


def test_histograms_file_lists_its_directory_and_says_why():
    got = listing(FIXTURES / "histograms.root")
    reference = uproot.open(FIXTURES / "histograms.root")
    top = [k.split(";")[0] for k in reference.keys(recursive=False)]
    assert [k["name"] for k in got["keys"]] == top
    assert got["keys"][0]["tree"] is None
    assert "directory" in got["keys"][0]["note"]


CASES = [
    ("signal", "jet_pt", "1", None),
    ("background", "jet_pt", "weight", None),
    ("background", "jet_pt", "weight", "lep_charge > 0"),
    ("background_varied", "jet_pt", "0.7*weight", "lep_charge < 0"),
    ("background", "weight_up", "weight", None),
]


def reference_arrays(tree, observable, weight, selection):
    arrays = uproot.open(FIXTURES / "prediction.root")[tree].arrays(library="np")
    x = arrays[observable]
    w = np.ones_like(x) if weight == "1" else 0.7 * arrays["weight"] if weight == "0.7*weight" else arrays[weight]
    keep = np.ones(len(x), bool)
    if selection == "lep_charge > 0":
        keep = arrays["lep_charge"] > 0
    elif selection == "lep_charge < 0":
        keep = arrays["lep_charge"] < 0
    return x[keep], w[keep], len(x)


@pytest.mark.parametrize("tree,observable,weight,selection", CASES)
@pytest.mark.parametrize("bins", [1, 7, 50])
def test_summary_matches_numpy(tree, observable, weight, selection, bins):
    got = summary(FIXTURES / "prediction.root", tree, observable, weight, selection, bins)
    x, w, entries = reference_arrays(tree, observable, weight, selection)
    assert got["entries"] == entries
    assert got["selected"] == len(x)
    assert got["min"] == x.min() and got["max"] == x.max()
    np.testing.assert_allclose(got["sumw"], w.sum(), rtol=1e-9)
    np.testing.assert_allclose(got["sumw2"], (w ** 2).sum(), rtol=1e-9)
    mean = np.average(x, weights=w)
    np.testing.assert_allclose(got["mean"], mean, rtol=1e-9)
    np.testing.assert_allclose(got["stdDev"], np.sqrt(np.average((x - mean) ** 2, weights=w)), rtol=1e-9)
    counts, edges = np.histogram(x, bins=bins, weights=w)
    squares, _ = np.histogram(x, bins=bins, weights=w ** 2)
    entries_per_bin, _ = np.histogram(x, bins=bins)
    h = got["histogram"]
    np.testing.assert_array_equal(h["edges"], edges)
    np.testing.assert_allclose(h["sumw"], counts, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(h["sumw2"], squares, rtol=1e-9, atol=1e-9)
    assert h["entries"] == entries_per_bin.tolist()
    assert h["underflow"]["entries"] == 0 and h["overflow"]["entries"] == 0


def test_summary_with_a_range_matches_numpy_and_counts_the_rest():
    got = summary(FIXTURES / "prediction.root", "background", "jet_pt", "weight", "lep_charge > 0", 8, (100.0, 700.0))
    x, w, _ = reference_arrays("background", "jet_pt", "weight", "lep_charge > 0")
    counts, edges = np.histogram(x, bins=8, range=(100.0, 700.0), weights=w)
    h = got["histogram"]
    np.testing.assert_array_equal(h["edges"], edges)
    np.testing.assert_allclose(h["sumw"], counts, rtol=1e-9, atol=1e-9)
    assert h["underflow"]["entries"] == int((x < 100.0).sum())
    assert h["overflow"]["entries"] == int((x > 700.0).sum())
    np.testing.assert_allclose(h["overflow"]["sumw"], w[x > 700.0].sum(), rtol=1e-9)


def test_unreadable_branches_are_listed_with_their_type(tmp_path):
    path = tmp_path / "mixed.root"
    rng = np.random.default_rng(3)
    n = 200
    flat = {
        "pt": rng.exponential(40.0, n).astype(np.float32),
        "n": rng.integers(0, 4, n).astype(np.int32),
        "w": rng.uniform(0.5, 1.5, n),
    }
    jagged = ak.Array([list(rng.normal(0, 1, k)) for k in rng.integers(0, 4, n)])
    with uproot.recreate(path) as f:
        f.mktree("events", {"pt": np.float32, "n": np.int32, "w": np.float64,
                            "jet_eta": "var * float64", "p3": ("float64", (3,))})
        f["events"].extend({**flat, "jet_eta": jagged, "p3": rng.normal(0, 1, (n, 3))})
    got = listing(path)
    reference = uproot.open(path)["events"]
    tree = got["keys"][0]["tree"]
    assert tree["entries"] == n
    assert [(b["name"], b["typeName"]) for b in tree["branches"]] == [(b.name, b.typename) for b in reference.branches]
    readable = {b["name"]: b["readable"] for b in tree["branches"]}
    # uproot adds the jagged branch's counter, njet_eta: a flat int32 branch.
    assert readable == {"pt": True, "n": True, "w": True, "njet_eta": True, "jet_eta": False, "p3": False}
    for b in tree["branches"]:
        assert (b["reason"] is None) == b["readable"], b
    # The readable ones summarise as numpy bins them.
    s = summary(path, "events", "pt", "w", "n > 0", 10)
    keep = flat["n"] > 0
    counts, _ = np.histogram(flat["pt"][keep].astype(np.float64), bins=10, weights=flat["w"][keep])
    np.testing.assert_allclose(s["histogram"]["sumw"], counts, rtol=1e-9, atol=1e-9)
    result = root_contents("--file", path, "--tree", "events", "--observable", "jet_eta")
    assert result.returncode != 0
    assert "jet_eta" in result.stderr and "flat numeric" in result.stderr


def test_an_rntuple_is_listed_and_named(tmp_path):
    path = tmp_path / "rntuple.root"
    with uproot.recreate(path) as f:
        f["events"] = {"x": np.arange(10.0)}
    assert uproot.open(path).classnames() == {"events;1": "ROOT::RNTuple"}
    got = listing(path)
    [key] = got["keys"]
    assert key["tree"] is None
    assert key["className"] == "ROOT::RNTuple"
    assert "TTree" in key["note"]


def test_not_a_root_file_names_the_path(tmp_path):
    path = tmp_path / "notes.root"
    path.write_text("these are not ROOT bytes")
    result = root_contents("--file", path)
    assert result.returncode != 0
    assert str(path) in result.stderr
    assert "not a ROOT file" in result.stderr
