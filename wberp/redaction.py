"""What a WB token, or one of wberp's own API tokens, looks like in text, to keep it out of
logs and error reports."""

import re

# A JWT (a WB token is one: its header always starts with `{"`, i.e. "eyJ")...
JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{8,}\.[\w-]*", re.ASCII)
# ...or a piece of one: a base64url run too long for a word, a number or a UUID, mixing
# upper case, lower case and digits as random bytes do (and identifiers do not).
LONG_RUN = re.compile(r"[A-Za-z0-9_-]{40,}")
# A value in a URL's query string (`?q=…&page=2`, or a query string on its own: `q=…`), where
# a pasted piece of a token lands when someone types it into the search box or the address.
QUERY_VALUE = re.compile(r"(?:^|(?<=[?&]))([^=&#\s/?]+=)([^&#\s\"'<>]*)")
# There even a piece too short for LONG_RUN is hidden: a base64url run in mixed case is
# random text, not a word or a number. (No search or filter of ours takes such a value.)
FRAGMENT_LENGTH = 16
FRAGMENT = re.compile(f"[A-Za-z0-9_-]{{{FRAGMENT_LENGTH},}}")
HIDDEN = "<hidden>"
# wberp's own API tokens, `wberp_<public id>_<secret>`, even cut short: the public id (no
# secret) stays, to tell which token it was.
API_TOKEN = re.compile(r"(wberp_[0-9a-f]{12}_)[A-Za-z0-9_-]+", re.ASCII)


def looks_like_token(value: object) -> bool:
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception:  # a broken repr is the report's problem, not a token
        return False
    return (
        JWT.search(text) is not None
        or API_TOKEN.search(text) is not None
        or any(map(is_random, LONG_RUN.findall(text)))
    )


def hide_tokens(text: str) -> str:
    """`text` with everything shaped like a token, or a piece of one in a query string,
    replaced by a marker."""
    text = JWT.sub(HIDDEN, text)
    text = API_TOKEN.sub(rf"\g<1>{HIDDEN}", text)
    text = LONG_RUN.sub(lambda run: HIDDEN if is_random(run[0]) else run[0], text)
    return QUERY_VALUE.sub(_hide_fragment_value, text)


def _hide_fragment_value(pair: re.Match) -> str:
    name, value = pair.groups()
    return name + HIDDEN if any(map(is_mixed_case, FRAGMENT.findall(value))) else pair[0]


def is_mixed_case(run: str) -> bool:
    return any(c.isupper() for c in run) and any(c.islower() for c in run)


def is_random(run: str) -> bool:
    return (
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() for c in run)
    )
