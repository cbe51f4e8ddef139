"""What the gateway tells observers (monitoring) without knowing them."""

from collections.abc import Callable

from django.dispatch import Signal

from wbapi.transport import RequestRecord

# Sent after every attempt of a request to WB, with `record` (a RequestRecord: no token in it).
wb_request_done = Signal()


def recording_into(records: list[RequestRecord]) -> Callable[[RequestRecord], None]:
    """An `on_request` for WBClient: keeps each record in `records` and announces it."""

    def on_request(record: RequestRecord) -> None:
        records.append(record)
        wb_request_done.send(sender=RequestRecord, record=record)

    return on_request
