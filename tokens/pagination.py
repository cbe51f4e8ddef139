"""Pages of tokens that are counted from the status tally rather than row by row.

The token list and the admin's changelist share it.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .models import StatusTally


class TalliedPaginator(Paginator):
    """Pages of tokens, counted from the tally rather than row by row when they are the whole
    table, or (`statuses`) all the tokens of some statuses and nothing else. `per_status`:
    the tally, if the caller has read it already."""

    def __init__(
        self,
        *args,
        statuses: list[str] | None = None,
        per_status: dict[str, int] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.statuses = statuses
        self._per_status = per_status

    @cached_property
    def count(self) -> int:
        if self.statuses is None and self.object_list.query.has_filters():
            return super().count
        per_status = self._per_status
        if per_status is None:
            per_status = StatusTally.objects.per_status()
        if self.statuses is None:
            return sum(per_status.values())
        return sum(per_status.get(status, 0) for status in self.statuses)
