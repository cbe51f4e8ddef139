"""Why the gateway sent nothing to WB, or could not pick a token to send."""

from datetime import datetime

from wbapi.errors import WBError


class NotSent(WBError):
    """Nothing was sent to WB, so WB said nothing about the token."""


class ChecksPaused(NotSent):
    """The circuit breaker is open for this seller's host after repeated WB errors."""

    code = "paused"
    default_message = "Calls for this seller are paused after WB errors."

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"Calls for this seller are paused until {until.isoformat()}.")


class RateBudgetExhausted(NotSent):
    """The seller's shared WB rate budget has no request left for this call until `until`."""

    code = "rate_budget"
    default_message = "WB's request limit for this seller is used up for now."

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            f"WB's request limit for this seller is used up until {until.isoformat()}."
        )


class TooBusy(NotSent):
    """Every WB call slot of this process is taken."""

    code = "busy"
    default_message = "Too many WB calls are in progress."


class NoUsableToken(WBError):
    """No stored token of the seller may call this WB category now."""

    code = "no_token"
    permanent = True
    default_message = "No usable token covers this WB category."

    def __init__(self, category: str) -> None:
        self.category = category
        super().__init__(f"No valid, unexpired token of this seller covers {category!r}.")
