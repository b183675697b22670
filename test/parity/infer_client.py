"""Calls histune-infer through test/parity/infer_bridge.mjs (the built native addon), and runs pyhf
0.7.6 with tightly converged fits for reference values."""

import json
import subprocess
from pathlib import Path

import pyhf

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures"
ADDON = ROOT / "native" / "node" / "histune.node"
CASES = json.loads((FIXTURES / "pyhf-validation" / "cases.json").read_text())
TUTORIAL = ROOT / "resources" / "examples" / "tutorial" / "workspace.json"


class InferError(Exception):
    def __init__(self, error):
        super().__init__(f"{error['code']}: {error['message']}")
        self.code = error["code"]


class Infer:
    def __init__(self):
        if not ADDON.exists():
            raise RuntimeError(f"{ADDON} is missing: run `npm run build:native` first")
        self.proc = subprocess.Popen(
            ["node", str(ROOT / "test" / "parity" / "infer_bridge.mjs")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )

    def call(self, fn, *args):
        self.proc.stdin.write(json.dumps({"fn": fn, "args": list(args)}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("infer_bridge.mjs exited")
        answer = json.loads(line)
        if not answer["ok"]:
            raise InferError(answer["error"])
        return answer["result"]

    def call_many(self, calls):
        """Runs [(fn, *args), …] concurrently in one bridge request; returns, per call, the result or
        an InferError (not raised)."""
        answers = self.call("batch", [{"fn": c[0], "args": list(c[1:])} for c in calls])
        return [a["result"] if a["ok"] else InferError(a["error"]) for a in answers]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def text_of(workspace):
    return workspace if isinstance(workspace, str) else json.dumps(workspace)


def options(case=None, **extra):
    """Inference options for a validation case (its interpolation codes) plus `extra`."""
    out = dict(extra)
    if case is not None:
        out["interpcodes"] = dict(case["modifier_settings"])
    return out


def tight_pyhf():
    """pyhf with its SciPy SLSQP converged to 1e-14 (the fixture's `tight_tol1e-14` settings)."""
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-14))


def pyhf_model(workspace, modifier_settings=None):
    ws = pyhf.Workspace(workspace)
    if modifier_settings is None:
        model = ws.model()
    else:
        model = ws.model(modifier_settings={k: {"interpcode": v} for k, v in modifier_settings.items()})
    return model, ws.data(model)
