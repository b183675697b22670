"""Histograms filled by histune-ntuple (Rust, oxyroot) against uproot + numpy on the tutorial ntuples."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import uproot

ROOT = Path(__file__).resolve().parents[2]
PREDICTION = ROOT.parent / "shared" / "fixtures" / "ntuples" / "prediction.root"
EDGES = [200.0, 300.0, 400.0, 500.0, 600.0]
SELECTION = "lep_charge > 0"

CASES = [
    ("signal", "weight"),
    ("background", "weight"),
    ("background_varied", "weight"),
    ("background", "weight_up"),
    ("background", "0.7*weight"),
]


def rust_histogram(tree, weight, selection=SELECTION, edges=EDGES):
    command = [
        "cargo", "run", "--release", "-q",
        "--manifest-path", str(ROOT / "native" / "Cargo.toml"),
        "-p", "histune-ntuple", "--example", "histogram", "--",
        "--file", str(PREDICTION), "--tree", tree, "--observable", "jet_pt",
        "--weight", weight, "--selection", selection,
        "--edges", ",".join(str(e) for e in edges),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def uproot_histogram(tree, weight):
    arrays = uproot.open(PREDICTION)[tree].arrays(library="np")
    x = arrays["jet_pt"]
    w = 0.7 * arrays["weight"] if weight == "0.7*weight" else arrays[weight]
    keep = arrays["lep_charge"] > 0
    x, w = x[keep], w[keep]
    sumw, sumw2, entries = [], [], []
    for lo, hi in zip(EDGES[:-1], EDGES[1:]):
        in_bin = (x >= lo) & (x < hi)
        sumw.append(w[in_bin].sum())
        sumw2.append((w[in_bin] ** 2).sum())
        entries.append(int(in_bin.sum()))
    return np.array(sumw), np.array(sumw2), entries, x, w


@pytest.mark.parametrize("tree,weight", CASES)
def test_histogram_matches_uproot(tree, weight):
    result = rust_histogram(tree, weight)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    sumw, sumw2, entries, x, w = uproot_histogram(tree, weight)
    np.testing.assert_allclose(got["sumw"], sumw, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["sumw2"], sumw2, rtol=1e-9, atol=1e-9)
    assert got["entries"] == entries
    # boost-histogram (used by cabinetry) fills the same bins; numpy's last bin would also take x == 600.
    assert not np.any(np.isin(x, EDGES))
    np.testing.assert_allclose(got["sumw"], np.histogram(x, bins=EDGES, weights=w)[0], rtol=1e-9, atol=1e-9)
    below, above = x < EDGES[0], x >= EDGES[-1]
    assert got["underflow"]["entries"] == int(below.sum())
    assert got["overflow"]["entries"] == int(above.sum())
    np.testing.assert_allclose(got["overflow"]["sumw"], w[above].sum(), rtol=1e-9, atol=1e-9)


def test_bad_selection_names_expression_and_position():
    result = rust_histogram("signal", "weight", selection="lep_charge >> 0")
    assert result.returncode != 0
    assert "`lep_charge >> 0`" in result.stderr
    assert "position 12" in result.stderr
