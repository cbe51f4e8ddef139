"""The demo tokens: an agency's view of three sellers, the same tokens on every run.

They are kept in the state directory (`demo-tokens.json`) and minted again only when one would
expire within 30 days, was revoked, or no longer matches the emulator's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wbapi.claims import decode_token
from wbapi.emulator.minting import signature_matches
from wbapi.emulator.state import EmulatorState
from wbapi.emulator.storage import SharedJson
from wbapi.errors import MalformedToken

TOKENS_FILE = "demo-tokens.json"
RENEW_WITHIN = timedelta(days=30)
MARKET = {"seller_name": "ООО «Демо Маркет»", "tin": "7707083893", "trade_mark": "Demo Market"}
LINEN = {"seller_name": "ИП Соколова А. В.", "tin": "500100732259", "trade_mark": "Nord Linen"}
KITCHEN = {
    "seller_name": "ООО «Светлая кухня»",
    "tin": "7736207543",
    "trade_mark": "Bright Kitchen",
}
WITHOUT_FINANCE = "content,analytics,prices,marketplace,statistics,promotion,feedbacks,documents"
BASIC = {"type": "basic", "categories": "content,prices,statistics"}
SANDBOX = {"type": "test", "categories": "content,prices,marketplace"}
DEMO_TOKENS = (
    ("Personal token, every category (finance included)", MARKET, {}),
    ("Read-only personal token, every category", MARKET, {"read_only": True}),
    ("Basic token: content, prices, statistics", MARKET, BASIC),
    ("Test token (sandbox hosts only): content, prices, marketplace", MARKET, SANDBOX),
    ("Personal token without Finance", LINEN, {"categories": WITHOUT_FINANCE}),
    ("Personal token, every category (finance included)", KITCHEN, {}),
)


@dataclass(frozen=True)
class DemoToken:
    name: str
    token: str
    seller: str
    sid: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "token": self.token, "seller": self.seller, "sid": self.sid}


def tokens(state: EmulatorState, *, now: datetime | None = None) -> list[DemoToken]:
    """The demo tokens, minting only those that are missing or no longer good."""
    now = now or datetime.now(UTC)
    store = SharedJson(state.state_dir / TOKENS_FILE if state.state_dir else None)
    kept = store.read()
    result, renewed = [], {}
    for number, (name, seller, options) in enumerate(DEMO_TOKENS):
        key = f"{number}:{name}"
        token = kept.get(key)
        if not _still_good(state, token, now):
            token = renewed[key] = state.mint(**seller, **options, now=now)
        sid = decode_token(token).seller_sid
        result.append(DemoToken(name, token, seller["seller_name"], sid))
    if renewed:
        store.update(lambda stored: stored.update(renewed))
    return result


def _still_good(state: EmulatorState, token: str | None, now: datetime) -> bool:
    if not token:
        return False
    try:
        claims = decode_token(token)
    except MalformedToken:
        return False
    return (
        signature_matches(state.key, token)
        and not state.is_revoked(claims)
        and claims.expires_at - now > RENEW_WITHIN
    )
