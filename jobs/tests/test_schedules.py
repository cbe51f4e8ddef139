"""When jobs are due: daily at a time of day in the site's zone, or every so often."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import translation

from jobs.schedules import DailyAt, Every

MOSCOW_4AM = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 04:00 in Moscow (UTC+3)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (MOSCOW_4AM - timedelta(hours=3), MOSCOW_4AM),
        (MOSCOW_4AM - timedelta(seconds=1), MOSCOW_4AM),
        # A run enqueued at 04:00 sharp is not due again at once, but tomorrow.
        (MOSCOW_4AM, MOSCOW_4AM + timedelta(days=1)),
        (MOSCOW_4AM + timedelta(hours=20), MOSCOW_4AM + timedelta(days=1)),
        # 23:30 in UTC is already tomorrow in Moscow: tomorrow's 04:00 is still ahead.
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), MOSCOW_4AM),
    ],
)
def test_a_daily_job_is_next_due_at_its_time_in_moscow(now, expected):
    assert DailyAt(time(4, 0)).next_run(now) == expected


def test_a_daily_job_follows_the_site_time_zone(settings):
    settings.TIME_ZONE = "Asia/Novosibirsk"  # UTC+7
    assert DailyAt(time(4, 0)).next_run(MOSCOW_4AM) == datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


def test_a_new_daily_job_first_runs_at_its_next_time_not_at_once():
    assert DailyAt(time(4, 0)).first_run(MOSCOW_4AM - timedelta(hours=1)) == MOSCOW_4AM


def test_an_interval_job_first_runs_at_once_then_an_interval_after_each_run():
    schedule = Every(timedelta(minutes=30))
    assert schedule.first_run(MOSCOW_4AM) == MOSCOW_4AM
    assert schedule.next_run(MOSCOW_4AM) == MOSCOW_4AM + timedelta(minutes=30)


@pytest.mark.parametrize("interval", [timedelta(0), timedelta(seconds=-5)])
def test_an_interval_must_be_positive(interval):
    with pytest.raises(ValueError, match="positive"):
        Every(interval)


def test_the_key_changes_with_the_schedule_and_the_zone(settings):
    assert Every(timedelta(hours=1)).key == "every 3600s"
    assert DailyAt(time(4, 0)).key == "daily 04:00 Europe/Moscow"
    settings.TIME_ZONE = "UTC"
    assert DailyAt(time(4, 0)).key == "daily 04:00 UTC"
    assert DailyAt(time(4, 0)).key != DailyAt(time(5, 0)).key


@pytest.mark.parametrize(
    ("schedule", "english", "russian"),
    [
        (Every(timedelta(days=1)), "every 1 day", "каждый 1 день"),
        (Every(timedelta(hours=2)), "every 2 hours", "каждые 2 часа"),
        (Every(timedelta(minutes=5)), "every 5 minutes", "каждые 5 минут"),
        (Every(timedelta(seconds=90)), "every 90 seconds", "каждые 90 секунд"),
        (DailyAt(time(4, 0)), "daily at 04:00", "ежедневно в 04:00"),
    ],
)
def test_a_schedule_is_described_in_the_reader_language(schedule, english, russian):
    with translation.override("en"):
        assert schedule.describe() == english
    with translation.override("ru"):
        assert schedule.describe() == russian
