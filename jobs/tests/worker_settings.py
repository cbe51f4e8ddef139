"""wberp's settings, plus the test jobs of jobs.tests.workload: for worker processes."""

from wberp.settings import *  # noqa: F403
from wberp.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "jobs.tests.workload.apps.WorkloadConfig"]
