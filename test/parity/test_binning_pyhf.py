"""Histune's binning objective (main/binning/objective.ts) against pyhf 0.7.6 on the tutorial: for a
few binnings, the yields Histune puts in the workspace match the tutorial model computed here
independently (closed-form integrals, or density at the bin centre × width), and the discovery
significance Z0 of the objective matches pyhf.infer.hypotest(0, data, model, test_stat='q0') on
that independently built workspace (data = the nominal expectation, as the objective's default)."""

import json
import math
import shutil
import subprocess
from pathlib import Path

import pyhf
import pytest
from scipy.stats import norm

from infer_client import tight_pyhf

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
BUNDLE = ROOT / "out" / "parity-binning" / "objective.mjs"

SIGNAL_AMPLITUDE, SIGNAL_MEAN, SIGNAL_WIDTH = 50.0, 0.5, 0.08
BACKGROUND_AMPLITUDE, BACKGROUND_SLOPE = 200.0, 2.0

BINNINGS = [
    [0.0, 1 / 3, 2 / 3, 1.0],
    [0.2, 0.4, 0.6, 0.8],
    [0.05 + 0.8 * i / 10 for i in range(11)],
    [i / 40 for i in range(41)],
    [0.0, 0.42, 0.47, 0.5, 0.53, 0.58, 1.0],
]


def signal_density(x):
    return SIGNAL_AMPLITUDE * math.exp(-((x - SIGNAL_MEAN) ** 2) / (2 * SIGNAL_WIDTH**2))


def background_density(x):
    return BACKGROUND_AMPLITUDE * math.exp(-BACKGROUND_SLOPE * x)


def erf_difference(u, v):
    """erf(v) − erf(u) without cancellation in the tails."""
    if u > 0:
        return math.erfc(u) - math.erfc(v)
    if v < 0:
        return math.erfc(-v) - math.erfc(-u)
    return math.erf(v) - math.erf(u)


def signal_integral(a, b):
    scale = SIGNAL_WIDTH * math.sqrt(2.0)
    return SIGNAL_AMPLITUDE * SIGNAL_WIDTH * math.sqrt(math.pi / 2.0) * erf_difference(
        (a - SIGNAL_MEAN) / scale, (b - SIGNAL_MEAN) / scale)


def background_integral(a, b):
    k = BACKGROUND_SLOPE
    return BACKGROUND_AMPLITUDE / k * (math.exp(-k * a) - math.exp(-k * b))


def tutorial_yields(edges, integrate):
    bins = list(zip(edges[:-1], edges[1:]))
    if integrate:
        return [signal_integral(a, b) for a, b in bins], [background_integral(a, b) for a, b in bins]
    centre = [((a + b) / 2, b - a) for a, b in bins]
    return [signal_density(c) * w for c, w in centre], [background_density(c) * w for c, w in centre]


def tutorial_workspace(signal, background):
    return {
        "version": "1.0.0",
        "channels": [{"name": "SR", "samples": [
            {"name": "signal", "data": signal, "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "background", "data": background,
             "modifiers": [{"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}}]},
        ]}],
        "observations": [{"name": "SR", "data": [s + b for s, b in zip(signal, background)]}],
        "measurements": [{"name": "tutorial", "config": {"poi": "mu", "parameters": []}}],
    }


def pyhf_z0(workspace):
    tight_pyhf()
    ws = pyhf.Workspace(workspace)
    model = ws.model()
    init = model.config.suggested_init()
    init[model.config.poi_index] = 1.0
    data = model.expected_data(init)
    p0 = pyhf.infer.hypotest(0.0, data, model, test_stat="q0")
    return float(norm.isf(float(p0)))


@pytest.fixture(scope="module")
def histune_binning():
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: the parity tests drive Histune through Node (npm run setup)")
    if not (ROOT / "native" / "node" / "histune.node").exists():
        pytest.fail("the native addon is not built: npm run build:native")
    vite = ROOT / "node_modules" / ".bin" / "vite"
    if not vite.exists():
        pytest.fail("node_modules is missing: run npm ci")
    subprocess.run([str(vite), "build", "--config", str(ROOT / "test" / "parity" / "binning.vite.config.mjs")],
                   check=True, cwd=ROOT, capture_output=True)

    def evaluate(config, edge_sets):
        edges = [e if isinstance(e, dict) else {"SR": e} for e in edge_sets]
        request = json.dumps({"config": str(config), "edges": edges})
        proc = subprocess.run(["node", str(ROOT / "test" / "parity" / "binning_eval.mjs")], input=request,
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    return evaluate


@pytest.mark.parametrize("config,integrate", [("study.yaml", True), ("study-literal.yaml", False)])
def test_tutorial_objective_matches_pyhf(histune_binning, config, integrate):
    results = histune_binning(EXAMPLES / "tutorial" / config, BINNINGS)
    for edges, result in zip(BINNINGS, results):
        assert result["ok"], result
        signal, background = tutorial_yields(edges, integrate)
        samples = {s["name"]: s["data"] for s in result["workspace"]["channels"][0]["samples"]}
        assert samples["signal"] == pytest.approx(signal, rel=1e-12, abs=1e-300)
        assert samples["background"] == pytest.approx(background, rel=1e-12)
        expected = tutorial_workspace(signal, background)
        assert result["workspace"]["observations"][0]["data"] == pytest.approx(expected["observations"][0]["data"], rel=1e-12)
        assert result["values"][0] == pytest.approx(pyhf_z0(expected), rel=1e-6), edges


def test_literal_best_three_bins_is_the_known_optimum(histune_binning):
    """Optuna + pyhf on the literal tutorial find Z0 ≈ 2.97 with 3 equal bins on [0, 1]."""
    [result] = histune_binning(EXAMPLES / "tutorial" / "study-literal.yaml", [BINNINGS[0]])
    assert result["values"][0] == pytest.approx(2.97, abs=0.01)
    assert result["values"][0] == pytest.approx(pyhf_z0(tutorial_workspace(*tutorial_yields(BINNINGS[0], False))), rel=1e-6)


def test_ntuple_objective_matches_pyhf(histune_binning):
    """The ntuple example (luminosity, two histosys, staterror, bounded POI) at the published binning
    and at a finer one: Z0 of the workspace Histune scores, recomputed by pyhf on Asimov data."""
    binnings = [[200.0, 300.0, 400.0, 500.0, 600.0], [0.0, 400.0, 450.0, 500.0, 550.0, 1400.0]]
    results = histune_binning(EXAMPLES / "ntuples" / "study.yaml", binnings)
    for edges, result in zip(binnings, results):
        assert result["ok"], result
        workspace = result["workspace"]
        assert len(workspace["channels"][0]["samples"][0]["data"]) == len(edges) - 1
        assert result["values"][0] == pytest.approx(pyhf_z0(workspace), rel=1e-6), edges


def test_expected_limit_matches_pyhf(histune_binning, tmp_path):
    """The expected_limit objective: pyhf's median expected CLs limit on background-only Asimov data."""
    text = (EXAMPLES / "tutorial" / "study.yaml").read_text()
    config = tmp_path / "study.yaml"
    config.write_text(text.replace("objective: z0", "objective: expected_limit").replace("direction: maximize", "direction: minimize"))
    binnings = [BINNINGS[0], BINNINGS[2]]
    for edges, result in zip(binnings, histune_binning(config, binnings)):
        assert result["ok"], result
        tight_pyhf()
        model = pyhf.Workspace(tutorial_workspace(*tutorial_yields(edges, True))).model()
        init = model.config.suggested_init()
        init[model.config.poi_index] = 0.0
        _, expected = pyhf.infer.intervals.upper_limits.upper_limit(model.expected_data(init), model, rtol=1e-6)
        assert result["values"][0] == pytest.approx(float(expected[2]), rel=5e-4), edges


def test_two_channel_ntuple_objective_matches_pyhf(histune_binning, tmp_path):
    """A signal region and a control region (lep_charge < 0) sharing the luminosity and modelling
    systematics, each with its own staterror: Z0 of the combined workspace against pyhf."""
    ntuples = EXAMPLES / "ntuples"
    config = tmp_path / "study.yaml"
    config.write_text(f"""
model:
  kind: ntuples
  observable: jet_pt
  modifiers:
    - {{name: luminosity, type: normsys, data: {{hi: 1.05, lo: 0.95}}}}
    - {{name: "staterror_{{channel}}", type: staterror}}
  channels:
    - name: SR
      selection: lep_charge > 0
      samples:
        - {{name: signal, file: {ntuples}/prediction.root, tree: signal, weight: weight, modifiers: [{{name: mu, type: normfactor}}]}}
        - name: background
          file: {ntuples}/prediction.root
          tree: background
          weight: weight
          modifiers: [{{name: modeling, type: histosys, data: {{up: {{tree: background_varied}}, symmetrize: true}}}}]
    - name: CR
      selection: lep_charge < 0
      samples:
        - name: background
          file: {ntuples}/prediction.root
          tree: background
          weight: weight
          modifiers: [{{name: modeling, type: histosys, data: {{up: {{tree: background_varied}}, symmetrize: true}}}}]
  measurement: {{name: two_regions, poi: mu, parameters: [{{name: mu, bounds: [[0, 10]]}}]}}
binning:
  n_bins: {{low: 1, high: 5}}
""")
    [result] = histune_binning(config, [{"SR": [200.0, 400.0, 500.0, 700.0], "CR": [0.0, 300.0, 600.0, 1500.0]}])
    assert result["ok"], result
    assert [c["name"] for c in result["workspace"]["channels"]] == ["SR", "CR"]
    assert result["values"][0] == pytest.approx(pyhf_z0(result["workspace"]), rel=1e-6)
