import os

from django.apps import AppConfig


class WorkloadConfig(AppConfig):
    """Test jobs for worker processes started by the tests (see worker_settings.py): those
    named in JOBS_WORKLOAD_JOBS (comma-separated), and a tick step that logs each tick."""

    name = "jobs.tests.workload"
    label = "jobs_workload"

    def ready(self) -> None:
        from jobs.registry import register
        from jobs.tick import register_tick_step

        from .tasks import JOBS, note_tick

        wanted = os.environ.get("JOBS_WORKLOAD_JOBS", "").split(",")
        for job in JOBS:
            if job.name in wanted:
                register(job)
        register_tick_step("workload.note_tick", note_tick)
