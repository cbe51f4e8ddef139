"""The exports' background tasks: thin, each calls one service."""

from datetime import timedelta

from django_tasks import task

from jobs.registry import periodic
from jobs.schedules import Every

from .services import export_write, exports_delete_expired


@task()
def write_export(export_id: str) -> str:
    """Write one export's file: "done", "failed" or "elsewhere"."""
    return export_write(export_id=export_id)


@periodic("exports.delete_expired", Every(timedelta(hours=1)))
@task()
def delete_expired_exports() -> int:
    """Delete the exports (and files) older than EXPORTS_KEEP_HOURS; how many."""
    return exports_delete_expired()
