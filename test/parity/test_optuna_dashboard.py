"""optuna-dashboard serves the studies Histune writes (its JSON API, called in-process through WSGI).

The dashboard opens RDB storages with skip_table_creation=True, so this also checks that Histune
creates every table and the version rows the dashboard needs.
"""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from study_fixtures import OUT, ROOT, histune, storage_urls  # noqa: F401 (pytest fixtures)

optuna_dashboard = pytest.importorskip("optuna_dashboard")


def _get(app, path):
    environ = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"], _, environ["QUERY_STRING"] = path.partition("?")
    environ["wsgi.input"] = io.BytesIO()
    status = {}

    def start_response(s, headers, exc_info=None):
        status["code"] = int(s.split()[0])

    body = b"".join(app(environ, start_response))
    assert status["code"] == 200, (path, body[:500])
    return json.loads(body)


def test_dashboard_api_reads_histune_studies(histune, storage_urls):
    import optuna
    from optuna.storages import RDBStorage

    optuna_url, histune_url = storage_urls
    ours = histune("write", histune_url, "dash")
    storage = RDBStorage(optuna_url, skip_compatibility_check=True, skip_table_creation=True)
    app = optuna_dashboard.wsgi(storage)

    studies = _get(app, "/api/studies")["study_summaries"]
    by_name = {s["study_name"]: s for s in studies}
    assert set(by_name) == {"dash", "dash-mo"}
    assert by_name["dash"]["directions"] == ["maximize"]
    assert by_name["dash-mo"]["directions"] == ["minimize", "maximize"]

    detail = _get(app, f"/api/studies/{by_name['dash']['study_id']}")
    trials = detail["trials"]
    assert [t["number"] for t in trials] == [t["number"] for t in ours["trials"]]
    assert [t["state"].upper() for t in trials] == [t["state"] for t in ours["trials"]]
    complete = [t for t in trials if t["state"] == "Complete"]
    assert any(t["values"] == ["inf"] for t in complete)
    assert all(t["constraints"] for t in complete)
    assert detail["has_intermediate_values"] is True
    assert {p["name"] for p in detail["union_search_space"]} >= {"x", "kind", "n_bins", "width", "offset", "merge"}

    importances = _get(app, f"/api/studies/{by_name['dash']['study_id']}/param_importances")
    assert importances["param_importances"][0]  # one list per objective, non-empty

    mo = _get(app, f"/api/studies/{by_name['dash-mo']['study_id']}")
    assert len(mo["best_trials"]) >= 1
    optuna.load_study(study_name="dash", storage=optuna_url)  # and Optuna still opens it
