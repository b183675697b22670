"""Talks to the native engine through test/parity/engine_eval.mjs (JSON lines over a pipe)."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures"
ADDON = ROOT / "native" / "node" / "histune.node"


class EngineError(Exception):
    def __init__(self, error):
        super().__init__(f"{error['code']}: {error['message']} (path {error.get('path')})")
        self.code = error["code"]
        self.path = error.get("path")


class Engine:
    def __init__(self):
        if not ADDON.exists():
            raise RuntimeError(f"{ADDON} is missing: run `npm run build:native` first")
        self.proc = subprocess.Popen(
            ["node", str(ROOT / "test" / "parity" / "engine_eval.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def call(self, **request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("engine_eval.mjs exited")
        answer = json.loads(line)
        if not answer["ok"]:
            raise EngineError(answer["error"])
        return answer["result"]

    def compile(self, spec, normsys="code4", histosys="code4p"):
        text = spec if isinstance(spec, str) else json.dumps(spec)
        info = self.call(op="compile", text=text, options={"interpcodes": {"normsys": normsys, "histosys": histosys}})
        return EngineModel(self, info)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class EngineModel:
    def __init__(self, engine, info):
        self.engine = engine
        self.id = info["model"]
        self.info = info

    def nll(self, pars, data=None):
        return self.engine.call(op="nll", model=self.id, pars=list(map(float, pars)), data=None if data is None else list(map(float, data)))

    def grad(self, pars, data=None):
        return self.engine.call(op="grad", model=self.id, pars=list(map(float, pars)), data=None if data is None else list(map(float, data)))

    def expected(self, pars):
        return self.engine.call(op="expected", model=self.id, pars=list(map(float, pars)))

    def expected_by_sample(self, pars):
        return self.engine.call(op="bySample", model=self.id, pars=list(map(float, pars)))

    def fit(self, **options):
        return self.engine.call(op="fit", model=self.id, options=options)

