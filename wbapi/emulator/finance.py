"""finance-api: realization report rows (paged by rrdId, 204 at the end) and report headers."""

from __future__ import annotations

from wbapi.emulator.params import instant, json_object, member, text_list, whole_number
from wbapi.emulator.protocol import (
    PROBLEM_TYPE,
    Call,
    ClientError,
    Reply,
    Route,
    json_reply,
)
from wbapi.emulator.world import World
from wbapi.emulator.world.basis import day_of
from wbapi.emulator.world.finance import PERIOD_DAYS, ROW_FIELDS, Report

HOSTS = ("finance-api",)
ORIGIN = "open-api-finreports"
MAX_ROWS = 100_000
MAX_REPORTS = 1_000
LIST_TOKEN_TYPES = frozenset({"personal", "service"})


def finance_error(error: ClientError, request_id: str) -> Reply:
    """finance-api's 400 (problem+json: status, title, detail, requestId, origin)."""
    body = {
        "status": error.status,
        "title": "request decode error",
        "detail": error.detail,
        "requestId": request_id,
        "origin": ORIGIN,
    }
    reply = json_reply(body, error.status)
    return Reply(reply.status, reply.body, content_type=PROBLEM_TYPE)


def detailed(call: Call) -> Reply:
    """POST /api/finance/v1/sales-reports/detailed {dateFrom, dateTo, limit, rrdId, period,
    fields}: rows with rrdId above the given one, in rrdId order."""
    body = json_object(call.request)
    world, reports = _reports(call, body)
    limit = whole_number(body, "limit", low=1, high=MAX_ROWS, default=MAX_ROWS)
    after = whole_number(body, "rrdId", low=0, default=0)
    fields = _fields(body)
    rows: list[dict] = []
    for report in reports:
        report_rows = world.finance.rows(report)
        if not report_rows or report_rows[-1]["rrdId"] <= after:
            continue
        rows.extend(row for row in report_rows if row["rrdId"] > after)
        if len(rows) >= limit:
            break
    if not rows:
        return Reply(204)
    page = rows[:limit]
    if fields:
        page = [{name: row[name] for name in fields} for row in page]
    return json_reply(page)


def report_list(call: Call) -> Reply:
    """POST /api/finance/v1/sales-reports/list {dateFrom, dateTo, limit, offset, period}."""
    body = json_object(call.request)
    world, reports = _reports(call, body)
    limit = whole_number(body, "limit", low=1, high=MAX_REPORTS, default=MAX_REPORTS)
    offset = whole_number(body, "offset", low=0, default=0)
    page = reports[offset : offset + limit]
    if not page:
        return Reply(204)
    return json_reply([world.finance.header(report) for report in page])


def _reports(call: Call, body: dict) -> tuple[World, list[Report]]:
    """The published reports of the period kind whose period overlaps dateFrom..dateTo."""
    for name in ("dateFrom", "dateTo"):
        if body.get(name) is None:
            raise ClientError(f"{name} is required")
    first = day_of(instant(body["dateFrom"], "dateFrom"))
    last = day_of(instant(body["dateTo"], "dateTo"))
    if first > last:
        raise ClientError("dateFrom must not be after dateTo")
    period = member(body, "period", str) or "weekly"
    if period not in PERIOD_DAYS:
        raise ClientError("period must be weekly or daily")
    sid = call.claims.seller_sid
    world = call.state.worlds.world(sid)
    now = call.state.clock.timestamp()
    revisions = call.state.worlds.revisions(sid)
    return world, world.finance.reports(period, now, revisions, first, last)


def _fields(body: dict) -> list[str]:
    fields = text_list(body, "fields")
    unknown = sorted(set(fields) - set(ROW_FIELDS))
    if unknown:
        raise ClientError(f"unknown fields: {', '.join(unknown)}")
    return fields


ROUTES = (
    Route(
        "POST",
        "/api/finance/v1/sales-reports/detailed",
        HOSTS,
        "finance-detailed",
        detailed,
        error_reply=finance_error,
    ),
    Route(
        "POST",
        "/api/finance/v1/sales-reports/list",
        HOSTS,
        "finance-list",
        report_list,
        token_types=LIST_TOKEN_TYPES,
        error_reply=finance_error,
    ),
)
