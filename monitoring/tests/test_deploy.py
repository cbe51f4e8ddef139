"""deploy/ and the Compose profile `monitoring`, read as Prometheus, Grafana and Compose read
them (no Docker engine runs here)."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from monitoring.collector import DatabaseCollector
from monitoring.http import HTTP_DURATION, HTTP_REQUESTS

BASE_DIR = Path(settings.BASE_DIR)
DEPLOY = BASE_DIR / "deploy"


def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return read_yaml(BASE_DIR / "docker-compose.yml")


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads((DEPLOY / "grafana" / "dashboards" / "wberp.json").read_text("utf-8"))


def mounted(service: dict) -> dict[str, str]:
    """Container path -> host path of the service's bind mounts."""
    binds = (volume.split(":") for volume in service["volumes"] if volume.startswith("./"))
    return {target: source for source, target, *_mode in binds}


def test_the_profile_runs_prometheus_and_grafana_only_when_asked(compose):
    services = compose["services"]
    assert services["prometheus"]["profiles"] == ["monitoring"]
    assert services["grafana"]["profiles"] == ["monitoring"]
    assert "profiles" not in services["web"]
    for name in ("prometheus", "grafana"):
        for port in services[name]["ports"]:
            assert port.startswith("127.0.0.1:"), port  # not published on every interface


def test_every_mounted_file_exists(compose):
    for name in ("prometheus", "grafana"):
        for target, source in mounted(compose["services"][name]).items():
            assert (BASE_DIR / source).exists(), (name, source, target)


def test_prometheus_scrapes_web_with_the_token_from_a_secret(compose):
    service = compose["services"]["prometheus"]
    config_path = mounted(service)["/etc/prometheus/prometheus.yml"]
    config = read_yaml(BASE_DIR / config_path)
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"] == [{"targets": ["web:8000"]}]
    auth = job["authorization"]
    assert auth["type"] == "Bearer"
    assert auth["credentials_file"] == "/run/secrets/metrics_token"
    assert service["secrets"] == ["metrics_token"]
    assert compose["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}


def test_grafana_is_provisioned_with_the_datasource_and_the_dashboard(compose, dashboard):
    service = compose["services"]["grafana"]
    mounts = mounted(service)
    provisioning = BASE_DIR / mounts["/etc/grafana/provisioning"]
    (source,) = read_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert source["url"] == "http://prometheus:9090"
    (provider,) = read_yaml(provisioning / "dashboards" / "wberp.yml")["providers"]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    assert (BASE_DIR / mounts[provider["options"]["path"]] / "wberp.json").is_file()
    uids = {panel["datasource"]["uid"] for panel in dashboard["panels"] if panel["type"] != "row"}
    assert uids == {source["uid"]}
    assert service["environment"]["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert "GF_SECURITY_ADMIN_PASSWORD__FILE" in service["environment"]


SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}


def known_metric_names() -> set[str]:
    """Every series name /metrics can serve, suffixes included."""
    families = [
        *DatabaseCollector().collect(),
        *HTTP_REQUESTS.describe(),
        *HTTP_DURATION.describe(),
    ]
    return {family.name + suffix for family in families for suffix in SUFFIXES[family.type]}


@pytest.mark.django_db
def test_each_panel_queries_metrics_that_exist(dashboard):
    known = known_metric_names()
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    used = set()
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = set(re.findall(r"\bwberp_[a-z_]+", target["expr"]))
            assert names, target["expr"]
            assert names <= known, (panel["title"], names - known)
            used |= names
    # Every family has a panel.
    families = {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in known}
    assert families - {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in used} == set()
