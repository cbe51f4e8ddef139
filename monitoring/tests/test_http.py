"""The app's own HTTP requests, by method, view name and status."""

import pytest
from django.test import Client

from wberp.gunicorn import on_starting

from .conftest import total

pytestmark = pytest.mark.django_db


def test_requests_are_counted_by_view_name_never_by_path(scrape, staff_client):
    before = scrape()
    staff_client.get("/whoami")
    staff_client.get("/whoami")
    Client().get("/no/such/page/12345")
    Client().generic("BREW", "/whoami")
    after = scrape()

    def grew(**labels) -> float:
        name = "wberp_http_requests_total"
        return total(after, name, **labels) - total(before, name, **labels)

    assert grew(method="GET", view="whoami", status="200") == 2
    assert grew(method="GET", view="unmatched") == 1
    assert grew(method="other") == 1
    assert not [key for key in after if "12345" in str(key)]
    latency = "wberp_http_request_duration_seconds_count"
    assert total(after, latency, view="whoami") - total(before, latency, view="whoami") == 3


def test_scrapes_and_health_probes_are_not_counted(scrape):
    before = scrape()
    Client().get("/healthz")
    after = scrape()
    assert total(after, "wberp_http_requests_total") == total(before, "wberp_http_requests_total")


def test_gunicorn_starts_with_an_empty_metrics_directory(tmp_path, monkeypatch):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"old run")
    (directory / "keep.txt").write_text("not ours")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    on_starting(server=None)
    assert sorted(path.name for path in directory.iterdir()) == ["keep.txt"]
