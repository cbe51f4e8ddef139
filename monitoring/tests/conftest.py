import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "m" * 20 + "-scrape-token-for-tests"


@pytest.fixture
def scrape(settings):
    """GET /metrics with the bearer token; the samples as {(name, labels...): value}."""
    settings.METRICS_TOKEN = METRICS_TOKEN

    def scrape() -> dict[tuple, float]:
        response = Client().get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert response.status_code == 200, response.content
        return parsed(response.content.decode())

    return scrape


def parsed(text: str) -> dict[tuple, float]:
    return {
        (sample.name, *sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(samples: dict[tuple, float], name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(
        value
        for (sample, *pairs), value in samples.items()
        if sample == name and wanted <= set(pairs)
    )
