"""The sync's task: thin, it calls the engine (see sync.engine)."""

from django_tasks import task

from .engine import stream_page


@task()
def sync_stream_page(stream_id: int, lease_id: str) -> str:
    """Read and store one page of the stream, if the lease is still this task's."""
    return stream_page(stream_id=stream_id, lease_id=lease_id)
