"""Health endpoints for load balancers and orchestrators.

/healthz says the process is alive (no database); /readyz says the configuration passes the
system checks, the database answers and every migration is applied. Both are answered by a
middleware at the top of the stack, so that host validation, HTTPS redirects and sessions
cannot turn a health probe from localhost into a 400 or 301.
"""

import logging
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from .startup import configuration_problems

logger = logging.getLogger(__name__)

# Once every migration is applied it stays so for the life of this process
# (new migrations arrive with new code, i.e. a new process).
_migrations_applied = False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    if problems := configuration_problems():
        # Only the ids: the details (which key is wrong) are for the log, not a public probe.
        return unavailable("configuration: " + ", ".join(problem.id for problem in problems))
    try:
        database_answers()
        pending = pending_migrations()
    except DatabaseError as exc:
        logger.warning("Readiness check failed: database unreachable (%s)", type(exc).__name__)
        return unavailable("database unreachable")
    if pending:
        return unavailable(f"{pending} unapplied migration(s)")
    return JsonResponse({"status": "ok"})


def database_answers() -> None:
    """One real round trip, which DatabaseError stops.

    Opening a cursor health-checks a persistent connection first (CONN_HEALTH_CHECKS), so
    one the server has dropped is reopened or fails here, rather than looking alive. Reading
    the migrations table also tells the migrated database from an empty one, such as a new
    SQLite file made in place of one that has gone missing.
    """
    MigrationRecorder(connection).migration_qs.exists()


def unavailable(reason: str) -> JsonResponse:
    return JsonResponse({"status": "unavailable", "reason": reason}, status=503)


def pending_migrations() -> int:
    global _migrations_applied
    if _migrations_applied:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_applied = pending == 0
    return pending


HEALTH_VIEWS = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = HEALTH_VIEWS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            response = view(request)
            # Answered before SecurityMiddleware, which would otherwise have said this.
            response["X-Content-Type-Options"] = "nosniff"
            return response
        return self.get_response(request)
