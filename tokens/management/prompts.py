"""Questions the token commands ask on a terminal, answered in the reader's language."""

import sys

from django.core.management.base import CommandError
from django.utils.translation import pgettext


def confirm(question: str, *, refusal: str, without_terminal: str) -> None:
    """Ask `question`; raise CommandError(`refusal`) unless the answer is yes.

    Yes is "yes"/"y" or the reader's own word for it ("да"/"д" in Russian). Without a
    terminal there is nobody to ask: CommandError(`without_terminal`) says how to go on.
    """
    if not sys.stdin.isatty():
        raise CommandError(without_terminal)
    yes, no = pgettext("answer", "yes"), pgettext("answer", "no")
    answer = input(f"{question} [{yes}/{no}] ").strip().casefold()
    if answer not in {"yes", "y", yes.casefold(), yes[:1].casefold()}:
        raise CommandError(refusal)
