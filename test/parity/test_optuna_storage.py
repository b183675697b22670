"""Optuna reads the studies Histune writes, and Histune resumes the studies Optuna writes.

Runs against every storage available here: SQLite (needs the native addon) and PostgreSQL (needs
HISTUNE_TEST_POSTGRES_URL); the ones that are not available are skipped with the reason.
"""

import json
import math
import sqlite3

import optuna
import pytest
from optuna.distributions import distribution_to_json
from optuna.trial import TrialState
from study_fixtures import OUT, ROOT, histune, storage_urls  # noqa: F401 (pytest fixtures)

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _num(v):
    if isinstance(v, str):
        return {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}[v]
    return v


def _same_value(a, b):
    """An intermediate or objective value from the dump ('inf'/'nan' as strings) against Optuna's float."""
    a = _num(a)
    if math.isnan(a):
        return math.isnan(b)
    return a == b


def _same_param(a, b):
    """Equal, with booleans never equal to numbers (JSON's 1 and Python's True differ here)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _assert_trial_matches(ours, theirs):
    assert theirs.number == ours["number"]
    assert theirs.state.name == ours["state"]
    if ours["values"] is None:
        assert theirs.values is None
    else:
        assert [_num(v) for v in ours["values"]] == theirs.values
    assert set(theirs.params) == set(ours["params"])
    for name, value in ours["params"].items():
        assert _same_param(value, theirs.params[name]), (name, value, theirs.params[name])
        assert json.loads(distribution_to_json(theirs.distributions[name])) == json.loads(ours["distributions"][name])
        # Byte-identical distribution JSON, as Optuna itself would have written it.
        assert distribution_to_json(theirs.distributions[name]) == ours["distributions"][name]
    assert sorted(theirs.intermediate_values) == [s for s, _ in ours["intermediate_values"]]
    for step, value in ours["intermediate_values"]:
        assert _same_value(value, theirs.intermediate_values[step])
    assert theirs.user_attrs == ours["user_attrs"]
    assert theirs.system_attrs == ours["system_attrs"]


def test_optuna_reads_every_trial_histune_writes(histune, storage_urls):
    optuna_url, histune_url = storage_urls
    ours = histune("write", histune_url, "histune-written")
    study = optuna.load_study(study_name="histune-written", storage=optuna_url)
    assert study.directions == [optuna.study.StudyDirection.MAXIMIZE]
    assert study.user_attrs == {"workspace": "tutorial.json"}
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == len(ours["trials"]) == 16
    for mine, theirs in zip(ours["trials"], trials):
        _assert_trial_matches(mine, theirs)
    states = [t.state for t in trials]
    assert states.count(TrialState.PRUNED) == 1
    assert states.count(TrialState.FAIL) == 2  # the one that threw and the NaN one
    assert states[-2:] == [TrialState.RUNNING, TrialState.WAITING]
    assert trials[0].params["x"] == 1.5 and trials[0].user_attrs["source"] == "baseline"
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert all(t.system_attrs["constraints"] == [t.params["x"] - 2] for t in complete)
    assert any(t.values == [math.inf] for t in complete)
    # Optuna can keep optimising the study Histune wrote.
    study.optimize(lambda t: -t.suggest_float("x", -4, 4) ** 2, n_trials=3)
    # The enqueued (WAITING) trial is popped first, so 2 new trials are added.
    assert [t.number for t in study.get_trials()] == list(range(18))
    assert study.trials[15].params == {"x": -1.0} and study.trials[15].state == TrialState.COMPLETE

    mo = optuna.load_study(study_name="histune-written-mo", storage=optuna_url)
    assert [d.name for d in mo.directions] == ["MINIMIZE", "MAXIMIZE"]
    assert len(mo.trials) == 10 and all(t.state == TrialState.COMPLETE for t in mo.trials)
    assert {t.system_attrs["NSGAIISampler:generation"] for t in mo.trials} <= {0, 1, 2}
    assert len(mo.best_trials) >= 1


def test_histune_resumes_a_study_optuna_writes(histune, storage_urls):
    optuna_url, histune_url = storage_urls
    study = optuna.create_study(study_name="optuna-written", storage=optuna_url,
                                sampler=optuna.samplers.TPESampler(seed=0))
    study.set_user_attr("owner", "optuna")

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_int("y", 0, 10)
        c = trial.suggest_categorical("c", ["a", "b"])
        trial.set_user_attr("xy", [x, y])
        for step in range(3):
            trial.report(x * x + step, step)
        if trial.number == 4:
            raise optuna.TrialPruned()
        if trial.number == 5:
            raise RuntimeError("boom")
        return x * x + y + (0 if c == "a" else 1)

    study.optimize(objective, n_trials=12, catch=(RuntimeError,))
    study.enqueue_trial({"x": 0.5, "y": 1, "c": "a"})
    theirs = study.get_trials(deepcopy=False)

    dumped = histune("dump", histune_url, "optuna-written")
    assert dumped["directions"] == ["minimize"]
    assert dumped["user_attrs"] == {"owner": "optuna"}
    assert len(dumped["trials"]) == 13
    for mine, t in zip(dumped["trials"], theirs):
        _assert_trial_matches(mine, t)

    resumed = histune("resume", histune_url, "optuna-written", 6)
    # The first of the 6 runs pops the enqueued trial: 12 + 6 trials.
    assert len(resumed["trials"]) == 18
    assert [t["number"] for t in resumed["trials"]] == list(range(18))
    # The enqueued trial ran first with its fixed params.
    assert resumed["trials"][12]["params"] == {"x": 0.5, "y": 1, "c": "a"}
    assert resumed["trials"][12]["state"] == "COMPLETE" and resumed["trials"][12]["values"] == [1.25]

    again = optuna.load_study(study_name="optuna-written", storage=optuna_url)
    trials = again.get_trials(deepcopy=False)
    assert len(trials) == 18
    for mine, t in zip(resumed["trials"], trials):
        _assert_trial_matches(mine, t)
    for t in trials[12:]:
        assert t.state == TrialState.COMPLETE
        assert t.values[0] == pytest.approx(t.params["x"] ** 2 + t.params["y"] + (0 if t.params["c"] == "a" else 1))
    assert again.best_value <= study.best_value


def test_histune_sqlite_schema_is_optunas(histune, storage_urls, tmp_path):
    optuna_url, histune_url = storage_urls
    if not optuna_url.startswith("sqlite"):
        pytest.skip("the DDL comparison reads sqlite_master")
    histune("write", histune_url, "ddl")
    ref = tmp_path / "optuna.db"
    optuna.create_study(storage=f"sqlite:///{ref}", study_name="ddl")

    def ddl(path):
        with sqlite3.connect(path) as c:
            return sorted(r[0] for r in c.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))

    assert ddl(optuna_url[len("sqlite:///"):]) == ddl(ref)
    with sqlite3.connect(optuna_url[len("sqlite:///"):]) as c:
        assert c.execute("SELECT schema_version FROM version_info").fetchall() == [(12,)]
        assert c.execute("SELECT version_num FROM alembic_version").fetchall() == [("v3.2.0.a",)]


def test_concurrent_histune_workers_share_one_study(histune, storage_urls):
    """Three worker processes (two evaluations in flight each) on one study: trial numbers stay unique."""
    import os
    import subprocess

    optuna_url, histune_url = storage_urls
    optuna.create_study(study_name="shared", storage=optuna_url)
    env = dict(os.environ, HISTUNE_STUDY_JS=str(OUT / "main" / "study" / "index.js"))
    workers = [
        subprocess.Popen(["node", str(ROOT / "test" / "parity" / "study_tool.mjs"), "work", histune_url, "shared", "12"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        assert json.loads(out)["nComplete"] == 12
    trials = optuna.load_study(study_name="shared", storage=optuna_url).trials
    assert sorted(t.number for t in trials) == list(range(36))
    assert all(t.state == TrialState.COMPLETE for t in trials)


def test_importance_ranks_params_as_optuna_ped_anova(histune, storage_urls):
    optuna_url, histune_url = storage_urls
    # Histune runs 200 random trials of 10 x² + |log10 lr + 2| + 3·[kind ≠ b] + 0·noise.
    ours = histune("importance", histune_url, "importance")
    study = optuna.load_study(study_name="importance", storage=optuna_url)
    assert len(study.trials) == 200
    theirs = optuna.importance.get_param_importances(study, evaluator=optuna.importance.PedAnovaImportanceEvaluator())
    assert list(ours) == list(theirs)
    for name in ours:
        assert ours[name] == pytest.approx(theirs[name], rel=1e-9, abs=1e-12)
