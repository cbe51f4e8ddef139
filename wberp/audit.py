"""The audit trail: who did what to which object, and when, in the Django admin's history.

Every service that changes something people must be able to trace later (tokens, API tokens,
access to cabinets, the sync's actions, cost-price uploads) writes its entry here, in the
same transaction as the change, so that the object's *History* page in the admin lists it.

    audit(by, obj, ADDITION)                                   # "Added."
    audit(by, obj, CHANGE, [{"changed": {"fields": ["Name"]}}])  # "Changed Name."
    audit(by, obj, CHANGE, "Sync now")                         # shown as written
    audit(by, [a, b], CHANGE, "Read again from the start")     # one entry per object

`message` is the admin's change message: a list in its JSON form (shown in the reader's
language; field names untranslated, as the admin stores them) or a plain sentence (shown as
written: keep it short, in English, naming what was done, never a secret or a value).
An action with no person behind it (cron, a command run without `--user`) has no entry:
the admin history is of people; the security log records those.
"""

from collections.abc import Iterable

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model

__all__ = ["ADDITION", "CHANGE", "DELETION", "audit"]


def audit(
    by: AbstractBaseUser | None,
    objects: Model | Iterable[Model],
    action: int = CHANGE,
    message: list | str = "",
) -> None:
    """Record in the admin history that `by` did `action` to `objects` (one or several)."""
    if by is None or by.pk is None:
        return
    many = not isinstance(objects, Model)
    queryset = list(objects) if many else [objects]
    if not queryset:
        return
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=queryset,
        action_flag=action,
        change_message=message,
        single_object=not many,
    )
