"""Histune's Parzen estimator against Optuna's `_ParzenEstimator` (the core of TPE): same mixture,
same bandwidths, same truncated-normal, discrete and categorical kernels, so the same log-density at
every point, to 1e-9."""

import json

import numpy as np
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution, distribution_to_json
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights
from study_fixtures import OUT, ROOT, histune  # noqa: F401 (pytest fixtures)

SPACE = {
    "x": FloatDistribution(-5, 5),
    "lr": FloatDistribution(1e-4, 1, log=True),
    "off": FloatDistribution(0, 1, step=0.25),
    "n": IntDistribution(0, 20, step=2),
    "merge": IntDistribution(1, 64, log=True),
    "kind": CategoricalDistribution(["a", "b", None, 3]),
}


def _internal(rng, n, distinct=False):
    """Random internal values; `distinct` draws the discrete numeric params without repeats."""
    def grid(values):
        return rng.choice(values, n, replace=not distinct).astype(float)

    return {
        "x": rng.uniform(-5, 5, n),
        "lr": np.exp(rng.uniform(np.log(1e-4), 0, n)),
        "off": grid(np.arange(5)) * 0.25 if n <= 5 or not distinct else np.zeros(n),
        "n": grid(np.arange(11)) * 2.0,
        "merge": grid(np.arange(1, 65)),
        "kind": rng.integers(0, 4, n).astype(float),
    }


def _compare(histune, space, n_obs, magic_clip, endpoints, weights):
    rng = np.random.default_rng(n_obs)
    has_discrete = any(k in space for k in ("off", "n", "merge"))
    observations = {k: v for k, v in _internal(rng, n_obs, distinct=has_discrete).items() if k in space}
    samples = {k: v for k, v in _internal(rng, 16).items() if k in space}
    params = _ParzenEstimatorParameters(prior_weight=1.0, consider_magic_clip=magic_clip,
                                        consider_endpoints=endpoints, weights=weights, multivariate=True)
    theirs = _ParzenEstimator(observations, space, params).log_pdf(samples)
    spec = {
        "space": {k: distribution_to_json(d) for k, d in space.items()},
        "observations": {k: v.tolist() for k, v in observations.items()},
        "samples": {k: v.tolist() for k, v in samples.items()},
        "weights": weights(n_obs).tolist(),
        "options": {"priorWeight": 1.0, "considerMagicClip": magic_clip, "considerEndpoints": endpoints,
                    "minBandwidthFactor": 0.01, "bandwidthExponent": 1},
    }
    ours = histune("parzen", "-", json.dumps(spec))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


# Which of several tied observations gets which bandwidth follows the sort's tie order (numpy's
# argsort is not stable, and CPU-dependent), an artefact not worth copying: observations of the
# discrete params are drawn without repeats, at most 5 for the 5 values of `off`, 11 without it.
@pytest.mark.parametrize("n_obs", [0, 1, 2, 5])
@pytest.mark.parametrize("magic_clip,endpoints", [(True, False), (False, True)])
def test_log_pdf_matches_optuna(histune, n_obs, magic_clip, endpoints):
    _compare(histune, SPACE, n_obs, magic_clip, endpoints, default_weights)


@pytest.mark.parametrize("magic_clip,endpoints", [(True, False), (False, True)])
def test_log_pdf_of_ints_matches_optuna(histune, magic_clip, endpoints):
    space = {k: d for k, d in SPACE.items() if k != "off"}
    _compare(histune, space, 11, magic_clip, endpoints, default_weights)


@pytest.mark.parametrize("n_obs", [30, 60])
def test_recency_weights_match_optuna(histune, n_obs):
    space = {k: SPACE[k] for k in ("x", "lr", "kind")}
    _compare(histune, space, n_obs, True, False, default_weights)


def _history(storage_url):
    """30 random trials with pruned, infeasible and running ones, as Optuna 5 writes them."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="history", storage=storage_url, sampler=optuna.samplers.RandomSampler(seed=3))

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        lr = trial.suggest_float("lr", 1e-4, 1, log=True)
        kind = trial.suggest_categorical("kind", ["a", "b", "c"])
        value = x * x + abs(np.log10(lr) + 2) + (kind != "b")
        if trial.number % 7 == 3:
            for step in range(trial.number % 4 + 1):
                trial.report(value + 1 / (step + 1), step)
            raise optuna.TrialPruned()
        trial.set_constraint("budget", x - 3.5)
        return value

    study.optimize(objective, n_trials=30)
    for _ in range(2):  # workers still running
        t = study.ask()
        t.suggest_float("x", -5, 5)
        t.suggest_float("lr", 1e-4, 1, log=True)
        t.suggest_categorical("kind", ["a", "b", "c"])
    current = study.ask()
    return study, current, study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING))


@pytest.mark.parametrize("constant_liar", [True, False])
def test_tpe_acquisition_matches_optuna(histune, tmp_path, constant_liar):
    """log l(x) − log g(x) of the sampler after the good/bad split (pruned and infeasible trials,
    running trials with the constant liar, recency weights) equals Optuna 5's."""
    from optuna.samplers import TPESampler
    from optuna.samplers._tpe.sampler import _split_trials, default_gamma
    from optuna.trial import TrialState

    path = tmp_path / "history.db"
    try:
        histune("probe", f"sqlite:///{path}")
    except AssertionError as e:
        pytest.fail(f"SQLite binding unavailable (npm run build:native): {str(e).splitlines()[-1]}")
    path.unlink(missing_ok=True)
    study, current, trials = _history(f"sqlite:///{path}")
    space = {k: SPACE[k] for k in ("x", "lr")}
    space["kind"] = CategoricalDistribution(["a", "b", "c"])
    sampler = TPESampler(seed=0, constant_liar=constant_liar)
    if constant_liar:
        trials = [t for t in trials if t.number != current.number]
    else:
        trials = [t for t in trials if t.state != TrialState.RUNNING]
    n = sum(t.state != TrialState.RUNNING for t in trials)
    below, above = _split_trials(study, trials, default_gamma(n))
    mpe_below = sampler._build_parzen_estimator(study, space, below, handle_below=True)
    mpe_above = sampler._build_parzen_estimator(study, space, above, handle_below=False)
    rng = np.random.default_rng(5)
    points = {"x": rng.uniform(-5, 5, 20), "lr": np.exp(rng.uniform(np.log(1e-4), 0, 20)), "kind": rng.integers(0, 3, 20).astype(float)}
    theirs = sampler._compute_acquisition_func(points, mpe_below, mpe_above)
    # The history exercises every bucket of the split.
    assert any(t.state == TrialState.PRUNED for t in below + above)
    assert any(t.constraints and max(t.constraints.values()) > 0 for t in below + above)
    assert any(t.state == TrialState.RUNNING for t in above) == constant_liar
    assert np.ptp(theirs) > 0.5
    spec = {
        "space": {k: distribution_to_json(d) for k, d in space.items()},
        "points": {"x": points["x"].tolist(), "lr": points["lr"].tolist(), "kind": [["a", "b", "c"][int(i)] for i in points["kind"]]},
        "optuna": True,
        "constantLiar": constant_liar,
    }
    ours = histune("acquisition", f"sqlite:///{path}", "history", json.dumps(spec))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_motpe_acquisition_matches_optuna(histune, tmp_path):
    """Several objectives: the good set by non-domination rank and hypervolume subset selection,
    uniform good weights (Optuna 5), the same log l − log g."""
    import optuna
    from optuna.samplers import TPESampler
    from optuna.samplers._tpe.sampler import _split_trials, default_gamma_multiobjective
    from optuna.trial import TrialState

    path = tmp_path / "mo.db"
    try:
        histune("probe", f"sqlite:///{path}")
    except AssertionError as e:
        pytest.fail(f"SQLite binding unavailable (npm run build:native): {str(e).splitlines()[-1]}")
    path.unlink(missing_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="history", storage=f"sqlite:///{path}", directions=["minimize", "maximize"],
                                sampler=optuna.samplers.RandomSampler(seed=4))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1) + t.suggest_float("lr", 1e-4, 1, log=True),
                              (1 - t.params["x"]) ** 2 - t.params["lr"]), n_trials=60)
    current = study.ask()
    space = {"x": FloatDistribution(0, 1), "lr": FloatDistribution(1e-4, 1, log=True)}
    sampler = TPESampler(seed=0, multivariate=True)
    trials = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if t.number != current.number]
    below, above = _split_trials(study, trials, default_gamma_multiobjective(len(trials)))
    mpe_below = sampler._build_parzen_estimator(study, space, below, handle_below=True)
    mpe_above = sampler._build_parzen_estimator(study, space, above, handle_below=False)
    rng = np.random.default_rng(6)
    points = {"x": rng.uniform(0, 1, 20), "lr": np.exp(rng.uniform(np.log(1e-4), 0, 20))}
    theirs = sampler._compute_acquisition_func(points, mpe_below, mpe_above)
    spec = {
        "space": {k: distribution_to_json(d) for k, d in space.items()},
        "points": {k: v.tolist() for k, v in points.items()},
        "optuna": True,
        "constantLiar": True,
    }
    ours = histune("acquisition", f"sqlite:///{path}", "history", json.dumps(spec))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
