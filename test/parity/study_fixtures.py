"""Fixtures for the Optuna parity tests (imported by test_optuna_*.py): compile Histune's study engine, find the storages to test."""

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out" / "parity-study"


@pytest.fixture(scope="session")
def histune():
    """A callable running test/parity/study_tool.mjs against the freshly compiled study engine."""
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: the parity tests drive Histune through Node (npm run setup)")
    tsc = ROOT / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        pytest.fail("node_modules is missing: run npm ci")
    subprocess.run(
        [str(tsc), "--outDir", str(OUT), "--rootDir", str(ROOT), "--module", "nodenext",
         "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2023", "--skipLibCheck",
         "--types", "node", "--esModuleInterop", str(ROOT / "main" / "study" / "index.ts")],
        check=True, cwd=ROOT,
    )

    def run(*args):
        env = dict(os.environ, HISTUNE_STUDY_JS=str(OUT / "main" / "study" / "index.js"))
        proc = subprocess.run(["node", str(ROOT / "test" / "parity" / "study_tool.mjs"), *map(str, args)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError(f"study_tool {args[0]} failed:\n{proc.stderr}")
        return json.loads(proc.stdout)

    return run


def _sqlite_available(histune, tmp_path):
    try:
        histune("probe", f"sqlite:///{tmp_path / 'probe.db'}")
        return None
    except AssertionError as e:
        return str(e).splitlines()[-1]


@pytest.fixture(params=["sqlite", "postgres"])
def storage_urls(request, histune, tmp_path):
    """(optuna_url, histune_url) of an empty storage of each kind available here."""
    if request.param == "sqlite":
        reason = _sqlite_available(histune, tmp_path)
        if reason is not None:
            pytest.fail(f"SQLite binding unavailable (build the addon with npm run build:native): {reason}")
        path = tmp_path / "study.db"
        yield f"sqlite:///{path}", f"sqlite:///{path}"
        return
    base = os.environ.get("HISTUNE_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("HISTUNE_TEST_POSTGRES_URL is not set (CI sets it to a scratch PostgreSQL database)")
    psycopg2 = pytest.importorskip("psycopg2")
    schema = f"parity_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(base)
    conn.autocommit = True
    conn.cursor().execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    optuna_url = url.replace("postgresql://", "postgresql+psycopg2://", 1).replace("postgres://", "postgresql+psycopg2://", 1)
    try:
        yield optuna_url, url
    finally:
        conn.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()
