"""Reading a request's parameters: anything malformed becomes a ClientError that says what is
wrong, which the method answers in its service's error shape."""

from __future__ import annotations

from collections.abc import Mapping

from wbapi.emulator.protocol import ClientError, Request
from wbapi.emulator.world.basis import parse_instant


def json_object(request: Request) -> dict:
    """The body as a JSON object."""
    try:
        body = request.json()
    except ValueError:
        raise ClientError("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ClientError("the request body must be a JSON object")
    return body


def member(data: Mapping, name: str, kind: type | tuple[type, ...], label: str | None = None):
    """`data[name]` if present and of `kind` (None if absent or null)."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in _kinds(kind):
        raise ClientError(f"{label or name} must be {_kind_name(kind)}")
    if not isinstance(value, kind):
        raise ClientError(f"{label or name} must be {_kind_name(kind)}")
    return value


def whole_number(
    data: Mapping,
    name: str,
    *,
    low: int,
    high: int | None = None,
    default: int | None = None,
    required: bool = False,
    label: str | None = None,
) -> int | None:
    """An integer field within [low, high]."""
    label = label or name
    value = member(data, name, int, label)
    if value is None:
        if required:
            raise ClientError(f"{label} is required")
        return default
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ClientError(f"{label} must be a whole number {bound}")
    return value


def number_list(
    data: Mapping, name: str, *, max_items: int | None = None, label: str | None = None
) -> list[int]:
    label = label or name
    values = member(data, name, list, label) or []
    if max_items is not None and len(values) > max_items:
        raise ClientError(f"{label} may hold at most {max_items} items")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ClientError(f"{label} must be a list of whole numbers")
    return values


def text_list(data: Mapping, name: str, *, label: str | None = None) -> list[str]:
    label = label or name
    values = member(data, name, list, label) or []
    if not all(isinstance(v, str) for v in values):
        raise ClientError(f"{label} must be a list of strings")
    return values


def query_value(request: Request, name: str) -> str | None:
    """The last value of a query parameter, or None."""
    values = request.query.get(name)
    return values[-1] if values else None


def query_number(
    request: Request,
    name: str,
    *,
    low: int,
    high: int | None = None,
    default: int | None = None,
    required: bool = False,
) -> int | None:
    """A whole-number query parameter within [low, high]."""
    text = query_value(request, name)
    if text is None or text == "":
        if required:
            raise ClientError(f"{name} is required")
        return default
    try:
        value = int(text)
    except ValueError:
        raise ClientError(f"{name} must be a whole number") from None
    return whole_number({name: value}, name, low=low, high=high)


def instant(text: object, label: str) -> float:
    """An RFC 3339 date or date-time (Moscow time without an offset) as seconds."""
    try:
        return parse_instant(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ClientError(
            f"{label} must be an RFC 3339 date or date-time, e.g. 2024-01-29 or 2024-01-29T10:00:00"
        ) from None


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "a whole number", bool: "true or false", str: "a string", list: "a list"}
    names[dict] = "an object"
    return " or ".join(names.get(k, k.__name__) for k in _kinds(kind))
