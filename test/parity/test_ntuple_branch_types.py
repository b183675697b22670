"""histune-ntuple on trees written by uproot: every flat numeric branch type, several baskets, and
ZLIB / LZMA compression, against numpy on the same arrays."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import uproot

ROOT = Path(__file__).resolve().parents[2]
EDGES = [-2.0, -0.5, 0.0, 0.25, 1.0, 3.0]


def histogram(file, tree, observable, weight, selection):
    command = [
        "cargo", "run", "--release", "-q",
        "--manifest-path", str(ROOT / "native" / "Cargo.toml"),
        "-p", "histune-ntuple", "--example", "histogram", "--",
        "--file", str(file), "--tree", tree, "--observable", observable,
        "--weight", weight, "--selection", selection,
        "--edges", ",".join(str(e) for e in EDGES),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def write_tree(path, compression, baskets=4, per_basket=2500):
    rng = np.random.default_rng(7)
    chunks = []
    for _ in range(baskets):
        chunks.append({
            "x32": rng.normal(0, 1, per_basket).astype(np.float32),
            "x64": rng.normal(0, 1, per_basket),
            "w": rng.uniform(0.5, 1.5, per_basket),
            "q32": rng.choice([-1, 1], per_basket).astype(np.int32),
            "q64": rng.choice([-1, 1], per_basket).astype(np.int64),
            "n16": rng.integers(0, 5, per_basket).astype(np.int16),
            "u8": rng.integers(0, 3, per_basket).astype(np.uint8),
            "u32": rng.integers(0, 3, per_basket).astype(np.uint32),
            "flag": rng.uniform(0, 1, per_basket) > 0.3,
        })
    with uproot.recreate(path, compression=compression) as f:
        f.mktree("events", {k: v.dtype for k, v in chunks[0].items()})
        for chunk in chunks:
            f["events"].extend(chunk)
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


def reference(columns, x, w, keep):
    sumw, sumw2, entries = [], [], []
    x, w = x[keep], w[keep]
    for lo, hi in zip(EDGES[:-1], EDGES[1:]):
        inside = (x >= lo) & (x < hi)
        sumw.append(w[inside].sum())
        sumw2.append((w[inside] ** 2).sum())
        entries.append(int(inside.sum()))
    return sumw, sumw2, entries


@pytest.mark.parametrize("compression", [uproot.ZLIB(4), uproot.LZMA(6)], ids=["zlib", "lzma"])
def test_branch_types_baskets_and_compression(tmp_path, compression):
    path = tmp_path / "types.root"
    c = write_tree(path, compression)
    cases = [
        ("x32", "w", "q32 > 0 && flag", c["x32"].astype(np.float64), c["w"], (c["q32"] > 0) & c["flag"]),
        ("x64", "w * (n16 + 1)", "q64 < 0 || u8 == 2", c["x64"], c["w"] * (c["n16"] + 1), (c["q64"] < 0) | (c["u8"] == 2)),
        ("x64 - x32", "1", "!(u32 == 0)", c["x64"] - c["x32"].astype(np.float64), np.ones(len(c["w"])), c["u32"] != 0),
    ]
    for observable, weight, selection, x, w, keep in cases:
        got = histogram(path, "events", observable, weight, selection)
        sumw, sumw2, entries = reference(c, x, w, keep)
        np.testing.assert_allclose(got["sumw"], sumw, rtol=1e-9, atol=1e-9, err_msg=observable)
        np.testing.assert_allclose(got["sumw2"], sumw2, rtol=1e-9, atol=1e-9, err_msg=observable)
        assert got["entries"] == entries, observable
