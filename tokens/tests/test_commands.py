"""The token desk from a terminal: wb_tokens, rotate_wb_token_keys and generate_keys.

Every command run here goes through `cli`, which fails the test if a token, a ciphertext
or a full fingerprint ever reaches standard output, standard error or an error message.
"""

import io
import json
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from gateway.validation import WBOutcome
from tokens import services
from tokens.crypto import TokenCipher, decode_key, envelope_key_id, get_cipher, key_id
from tokens.models import WBToken, WBTokenCheck
from tokens.presentation import expiry_text
from tokens.services import fill_from_token, read_pasted_token, token_create, token_update
from wberp.envfile import generate_aes_key
from wberp.logging import configure as configure_logging

from .conftest import SEE_ALL, SELLER

pytestmark = pytest.mark.django_db
Status = WBToken.Status

KEY_A = generate_aes_key()
KEY_B = generate_aes_key()
FINGERPRINT_KEY = generate_aes_key()
ID_A = key_id(decode_key(KEY_A))
ID_B = key_id(decode_key(KEY_B))


@pytest.fixture(autouse=True)
def fixed_keys(settings):
    """Fixed keys."""
    settings.WB_TOKEN_KEYS = [KEY_A]
    settings.WB_TOKEN_FINGERPRINT_KEY = FINGERPRINT_KEY


class FakeStdin(io.StringIO):
    def __init__(self, text: str = "", *, tty: bool = False) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@dataclass
class Result:
    out: str
    err: str
    error: CommandError | None = None


class CLI:
    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch
        self.secrets: list[str] = []

    def __call__(self, *args: str, stdin: str = "", tty: bool = False) -> Result:
        result = self.run(*args, stdin=stdin, tty=tty)
        assert result.error is None, (result.error, result.err)
        return result

    def fails(self, *args: str, stdin: str = "", tty: bool = False) -> Result:
        result = self.run(*args, stdin=stdin, tty=tty)
        assert isinstance(result.error, CommandError), result
        assert result.error.returncode == 1
        return result

    def run(self, *args: str, stdin: str, tty: bool) -> Result:
        self.monkeypatch.setattr(sys, "stdin", FakeStdin(stdin, tty=tty))
        stored_before = self.stored_secrets()
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(*args, stdout=out, stderr=err)
        except CommandError as exc:
            result = Result(out.getvalue(), err.getvalue(), exc)
        else:
            result = Result(out.getvalue(), err.getvalue())
        shown = "\n".join([result.out, result.err, str(result.error or "")])
        for secret in [*self.secrets, *stored_before, *self.stored_secrets()]:
            assert secret not in shown, f"a secret was shown by {args}"
        return result

    def stored_secrets(self) -> list[str]:
        rows = WBToken.objects.values_list("ciphertext", "fingerprint")
        return [value for row in rows for value in row]


@pytest.fixture
def desk_clerk(make_user):
    """Staff who see every cabinet, as a --user of the commands."""
    return make_user("desk-clerk", staff=True, perms=[SEE_ALL])


@pytest.fixture
def cli(monkeypatch):
    return CLI(monkeypatch)


@pytest.fixture
def mint(mint, cli):
    """Every token minted in a test is a secret that no command may print."""

    def remembered(**options) -> str:
        raw = mint(**options)
        cli.secrets += [raw, *raw.split(".")[1:]]
        return raw

    return remembered


@pytest.fixture
def store(mint):
    """Store a token through the service, each by default of its own seller (own WB limits)."""

    def store(name: str, **options) -> tuple[WBToken, str]:
        options.setdefault("seller_name", f"{SELLER} {name}")
        raw = mint(**options)
        return token_create(name=name, raw_token=raw, by=None), raw

    return store


def store_without_wb(raw: str, name: str, *, pk: uuid.UUID) -> WBToken:
    """A row as token_create would leave it unchecked, with a chosen id."""
    token = WBToken(pk=pk, name=name)
    fill_from_token(token, read_pasted_token(raw), WBOutcome(), Status.UNCHECKED)
    token.save(force_insert=True)
    return token


def assert_nothing_saved() -> None:
    assert not WBToken.objects.exists()
    assert not WBTokenCheck.objects.exists()
    assert not LogEntry.objects.exists()


def lines(text: str) -> list[str]:
    return text.strip().splitlines()


# --- add ----------------------------------------------------------------------------------


def test_add_reads_the_token_from_stdin_and_stores_it(cli, mint, wb):
    raw = mint()

    result = cli("wb_tokens", "add", "--name", "Main shop", stdin=f"{raw}\n")

    token = WBToken.objects.get()
    assert token.name == "Main shop" and token.status == Status.VALID
    assert get_cipher().decrypt(token.ciphertext, row_id=token.pk) == raw
    assert token.created_by is None
    assert result.out.strip() == (
        f"Added Main shop: {SELLER}, Valid, {expiry_text(token)}. ID {token.pk}"
    )
    assert result.err == ""
    # /ping on each of the token's three hosts, and seller-info.
    assert wb.request_count(path="/ping") == 3
    assert wb.request_count(path="/api/v1/seller-info") == 1


def test_add_on_a_terminal_asks_with_a_hidden_prompt(cli, mint, monkeypatch):
    raw = mint()
    prompts = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return raw

    monkeypatch.setattr("getpass.getpass", getpass)

    cli("wb_tokens", "add", "--name", "Main shop", tty=True)

    assert prompts == ["WB token (input hidden): "]
    assert WBToken.objects.get().hint == raw[-4:]


@pytest.mark.parametrize("option", ["--token", "--raw-token", "--secret", None])
def test_there_is_no_way_to_pass_the_token_on_the_command_line(mint, monkeypatch, option):
    raw = mint()
    monkeypatch.setattr(sys, "stdin", FakeStdin(""))
    args = ["wb_tokens", "add", "--name", "X", *([option] if option else []), raw]

    with pytest.raises(CommandError, match="unrecognized arguments"):
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())

    assert_nothing_saved()


def test_add_needs_a_name(cli, mint):
    result = cli.fails("wb_tokens", "add", stdin=mint())
    assert "--name" in str(result.error)
    assert_nothing_saved()


def test_add_refuses_a_revoked_token(cli, mint, wb):
    raw = mint()
    wb.revoke(raw)

    result = cli.fails("wb_tokens", "add", "--name", "X", stdin=raw)

    assert str(result.error) == (
        "WB rejected the token: it is unknown, revoked or expired. "
        "Create a new token in the seller cabinet."
    )
    assert_nothing_saved()


def test_add_refuses_an_expired_token_without_asking_wb(cli, mint, wb):
    raw = mint(expires_at=timezone.now() - timedelta(minutes=1))

    result = cli.fails("wb_tokens", "add", "--name", "X", stdin=raw)

    assert str(result.error).startswith("This token expired on ")
    assert "WB tokens cannot be renewed" in str(result.error)
    assert wb.request_count() == 0
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not-a-token", "This is not a WB token: a token has three parts separated by dots."),
        ("", "Paste the token: the field is empty."),
        ("aaa.bbb ccc.ddd", "The token contains spaces or line breaks. Copy it again as one line."),
    ],
)
def test_add_refuses_a_malformed_token(cli, wb, text, message):
    result = cli.fails("wb_tokens", "add", "--name", "X", stdin=text)
    assert str(result.error) == message
    assert wb.request_count() == 0
    assert_nothing_saved()


def test_add_refuses_a_duplicate(cli, store):
    _token, raw = store("First")
    result = cli.fails("wb_tokens", "add", "--name", "Second", stdin=raw)
    assert str(result.error) == "This token is already stored as “First”."
    assert WBToken.objects.count() == 1


def test_add_refuses_when_wb_is_unavailable(cli, mint, wb):
    wb.set_fault("status", status=503)
    result = cli.fails("wb_tokens", "add", "--name", "X", stdin=mint())
    assert "WB did not answer in time or is unavailable" in str(result.error)
    assert_nothing_saved()


def test_add_allow_unverified_saves_it_unchecked_when_wb_is_unavailable(cli, mint, wb):
    wb.set_fault("status", status=503)

    result = cli("wb_tokens", "add", "--name", "X", "--allow-unverified", stdin=mint())

    token = WBToken.objects.get()
    assert token.status == Status.UNCHECKED and token.last_error_code == "wb_unavailable"
    assert token.checks.get().outcome == WBTokenCheck.Outcome.UNAVAILABLE
    # WB did not say who the seller is: the cabinet is shown by its WB id until it does.
    assert result.out.strip() == (
        f"Added X: {token.seller.sid}, Not checked, {expiry_text(token)}. ID {token.pk}"
    )


def test_add_allow_unverified_still_refuses_a_revoked_token(cli, mint, wb):
    raw = mint()
    wb.revoke(raw)
    cli.fails("wb_tokens", "add", "--name", "X", "--allow-unverified", stdin=raw)
    assert_nothing_saved()


# --- list ---------------------------------------------------------------------------------


def test_list_prints_one_line_per_token_in_name_order(cli, store):
    second, _ = store("Zeta shop")
    first, _ = store("Alpha shop")

    result = cli("wb_tokens", "list")

    heading, *rows = lines(result.out)
    assert heading.split() == ["ID", "Name", "Seller", "Type", "Status", "Expires"]
    assert [line.split()[0] for line in rows] == [str(first.pk), str(second.pk)]
    for line, token in zip(rows, (first, second), strict=True):
        for part in (token.name, "Personal", "Valid", expiry_text(token)):
            assert part in line
    assert result.err == ""


def test_list_cuts_long_names_with_an_ellipsis_and_keeps_the_columns(cli, store):
    long_name = "Ш" * 100
    store(long_name, seller_name="S" * 100)
    store("Short")

    heading, *rows = lines(cli("wb_tokens", "list").out)

    assert "Ш" * 29 + "…" in rows[1] and "Ш" * 30 not in rows[1]
    assert "S" * 29 + "…" in rows[1]
    status_column = heading.index("Status")
    assert [row[status_column:].split()[0] for row in rows] == ["Valid", "Valid"]


def test_list_in_russian_has_russian_headings(cli, store):
    store("Alpha")
    with translation.override("ru"):
        heading = lines(cli("wb_tokens", "list").out)[0]
    assert heading.split()[:3] == ["ID", "Название", "Продавец"]


def test_list_of_nothing_says_so(cli):
    assert cli("wb_tokens", "list").out == "No tokens.\n"
    assert json.loads(cli("wb_tokens", "list", "--json").out) == []


def test_list_json_shows_hint_and_fingerprint_prefix_but_no_secret(cli, store):
    token, raw = store("Main shop", categories="content,statistics", read_only=True)

    [row] = json.loads(cli("wb_tokens", "list", "--json").out)

    assert row["id"] == str(token.pk)
    assert row["hint"] == raw[-4:]
    assert row["fingerprint"] == token.fingerprint[:8]
    assert (row["name"], row["status"], row["type"]) == ("Main shop", "valid", "personal")
    assert (row["seller_name"], row["seller_tin"]) == (f"{SELLER} Main shop", "7700000000")
    assert row["categories"] == ["content", "statistics"] and row["read_only"] is True
    assert row["days_left"] == token.days_left() and row["expires_at"] == (
        token.expires_at.isoformat()
    )
    assert row["last_error"] == "" and row["last_checked_at"] is not None
    assert not {"ciphertext", "token", "raw_token", "secret"} & set(row)


def test_list_filters_by_status(cli, store):
    valid, _ = store("Valid one")
    invalid, _ = store("Invalid one")
    WBToken.objects.filter(pk=invalid.pk).update(status=Status.INVALID)

    rows = json.loads(cli("wb_tokens", "list", "--json", "--status", "invalid").out)
    assert [row["id"] for row in rows] == [str(invalid.pk)]
    assert lines(cli("wb_tokens", "list", "--status", "valid").out)[1].startswith(str(valid.pk))
    assert cli("wb_tokens", "list", "--status", "expired").out == "No tokens.\n"


def test_list_refuses_an_unknown_status(cli):
    result = cli.fails("wb_tokens", "list", "--status", "bogus")
    assert "invalid choice: 'bogus'" in str(result.error)


def test_list_filters_tokens_expiring_soon(cli, store):
    soon, _ = store("Soon", days=3)
    store("Later", days=100)
    expired, _ = store("Expired")
    WBToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))

    rows = json.loads(cli("wb_tokens", "list", "--json", "--expiring-days", "7").out)

    assert [row["id"] for row in rows] == [str(soon.pk)]
    assert rows[0]["days_left"] == 3  # minted to last 3 days, just now
    assert len(lines(cli("wb_tokens", "list", "--expiring-days", "365").out)) == 1 + 2


# --- check --------------------------------------------------------------------------------


def test_check_all_prints_progress_and_a_summary_and_succeeds(cli, store, wb):
    first, _ = store("Alpha")
    second, _ = store("Beta")

    result = cli("wb_tokens", "check", "--wait", "--all")

    assert lines(result.out) == [
        f"✓ Alpha ({first.pk}): Valid",
        f"✓ Beta ({second.pk}): Valid",
        "Checked 2 tokens. Valid: 2",
    ]
    assert result.err == ""
    for token in (first, second):
        token.refresh_from_db()
        assert token.check_count == 2
        assert token.checks.first().trigger == WBTokenCheck.Trigger.COMMAND


def test_check_all_fails_when_a_token_was_revoked(cli, store, wb):
    first, _ = store("Alpha")
    second, raw = store("Beta")
    wb.revoke(raw)

    result = cli.fails("wb_tokens", "check", "--wait", "--all")

    assert str(result.error) == "Some tokens are not valid or could not be checked."
    assert lines(result.out) == [
        f"✓ Alpha ({first.pk}): Valid",
        "Checked 2 tokens. Valid: 1, Invalid: 1",
    ]
    assert lines(result.err) == [
        f"✗ Beta ({second.pk}): Invalid — WB rejected the token: it is unknown, revoked or "
        "expired. Create a new token in the seller cabinet."
    ]
    second.refresh_from_db()
    assert second.status == Status.INVALID


def test_check_all_goes_on_past_an_unreadable_token(cli, store, wb):
    first, _ = store("Alpha")
    second, _ = store("Beta")
    third, _ = store("Gamma")
    WBToken.objects.filter(pk=second.pk).update(ciphertext=first.ciphertext)
    pings_before = wb.request_count(path="/ping")

    result = cli.fails("wb_tokens", "check", "--wait", "--all")

    assert lines(result.err) == [
        f"! Beta ({second.pk}): The stored token does not match this record or was altered."
    ]
    assert lines(result.out) == [
        f"✓ Alpha ({first.pk}): Valid",
        f"✓ Gamma ({third.pk}): Valid",
        "Checked 2 tokens. Valid: 2; not checked: 1",
    ]
    assert wb.request_count(path="/ping") == pings_before + 2 * 3  # three hosts a token
    assert second.checks.count() == 1  # only the one made when it was added


def test_check_all_keeps_to_wbs_limit_of_a_seller(cli, mint, wb):
    # Four tokens of one seller: WB allows three pings of a host in a row, then one per
    # interval; the fourth check waits for the shared budget instead of earning a 429.
    tokens = [store_without_wb(mint(), f"Shop {n}", pk=uuid.uuid4()) for n in range(4)]

    result = cli("wb_tokens", "check", "--wait", "--all")

    assert lines(result.out)[-1] == "Checked 4 tokens. Valid: 4"
    assert wb.request_count(status=429) == 0
    assert wb.request_count(host="content-api", path="/ping") == len(tokens)


def test_check_by_full_id_checks_only_that_token(cli, store):
    first, _ = store("Alpha")
    second, _ = store("Beta")

    result = cli("wb_tokens", "check", "--wait", str(second.pk))

    assert lines(result.out) == [f"✓ Beta ({second.pk}): Valid", "Checked 1 token. Valid: 1"]
    assert WBToken.objects.get(pk=second.pk).check_count == 2
    assert WBToken.objects.get(pk=first.pk).check_count == 1


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda pk: str(pk)[:6], id="six-characters"),
        pytest.param(lambda pk: str(pk)[:13].upper(), id="upper-case-with-dash"),
        pytest.param(lambda pk: pk.hex, id="full-hex-without-dashes"),
        pytest.param(lambda pk: pk.hex[:12], id="hex-without-dashes-past-the-first-group"),
        pytest.param(lambda pk: str(pk)[:9], id="ending-in-a-dash"),
        pytest.param(lambda pk: f" {pk} ", id="padded"),
    ],
)
def test_check_finds_a_token_by_an_unambiguous_id_prefix(cli, mint, wb, spelling):
    wanted = store_without_wb(
        mint(), "Wanted", pk=uuid.UUID("abcdef12-3456-4789-8abc-def012345678")
    )
    store_without_wb(mint(seller_name="Other"), "Other", pk=uuid.UUID(int=1))

    result = cli("wb_tokens", "check", "--wait", spelling(wanted.pk))

    assert lines(result.out)[0] == f"✓ Wanted ({wanted.pk}): Valid"
    assert WBToken.objects.get(pk=wanted.pk).status == Status.VALID
    assert WBToken.objects.get(name="Other").status == Status.UNCHECKED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abcdef", "More than one token ID starts with abcdef; give more of it."),
        ("abcdef13", "No token ID starts with abcdef13."),
        ("abc", "abc is too short: give at least 6 characters of a token ID."),
        ("f02", "f02 is too short: give at least 6 characters of a token ID."),
        ("shop-1", "shop-1 is not a token ID: IDs are made of 0-9 and a-f"),
        ("ab-cd-e", "ab-cd-e is too short: give at least 6 characters"),
        ("abcdef12-3456-4789-8abc-def0123456789", "No token ID starts with abcdef12-3456"),
        ("abcdef12-0000-4000-8000-000000000000", "No token with ID abcdef12-0000-4000-8000-"),
    ],
)
def test_check_refuses_an_id_it_cannot_resolve(cli, mint, value, message):
    store_without_wb(mint(), "One", pk=uuid.UUID("abcdef12-3456-4789-8abc-def012345678"))
    store_without_wb(
        mint(seller_name="Other"), "Two", pk=uuid.UUID("abcdef98-7654-4321-8abc-def012345678")
    )

    result = cli.fails("wb_tokens", "check", "--wait", value)

    assert str(result.error).startswith(message)
    assert not WBTokenCheck.objects.exists()


def test_dashes_alone_are_no_id_prefix(cli, mint):
    store_without_wb(mint(), "One", pk=uuid.UUID("abcdef12-3456-4789-8abc-def012345678"))
    result = cli.fails("wb_tokens", "delete", "--yes", "--", "--------")
    assert str(result.error).startswith("-------- is not a token ID:")
    assert WBToken.objects.exists()


@pytest.mark.parametrize("args", [(), ("--all", "0123456789")], ids=["neither", "both"])
def test_check_needs_either_ids_or_all(cli, args):
    result = cli.fails("wb_tokens", "check", "--wait", *args)
    assert str(result.error) == "Name token IDs or give --all (not both)."


def test_check_quiet_prints_only_problems_and_the_summary(cli, store, wb):
    store("Alpha")
    second, raw = store("Beta")
    wb.revoke(raw)

    result = cli.fails("wb_tokens", "check", "--wait", "--all", "--quiet")

    assert lines(result.out) == ["Checked 2 tokens. Valid: 1, Invalid: 1"]
    assert lines(result.err)[0].startswith(f"✗ Beta ({second.pk}): Invalid — ")


def test_check_quiet_when_all_are_valid_prints_only_the_summary(cli, store):
    store("Alpha")
    store("Beta")
    result = cli("wb_tokens", "check", "--wait", "--all", "--quiet")
    assert (result.out, result.err) == ("Checked 2 tokens. Valid: 2\n", "")


def test_check_user_attributes_the_audit_entry_to_that_desk_clerk(cli, store, desk_clerk):
    token, _ = store("Alpha")

    cli("wb_tokens", "check", "--wait", str(token.pk), "--user", desk_clerk.username)

    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_id) == (desk_clerk, CHANGE, str(token.pk))
    assert token.checks.first().checked_by == desk_clerk


def test_without_user_there_is_no_audit_entry_but_a_security_log_line(cli, mint, caplog):
    raw = mint()
    with caplog.at_level(logging.INFO, logger="wberp.security"):
        cli("wb_tokens", "add", "--name", "Main shop", stdin=raw)
        token = WBToken.objects.get()
        cli("wb_tokens", "check", "--wait", str(token.pk))

    assert not LogEntry.objects.exists()
    messages = [r.getMessage() for r in caplog.records if r.name == "wberp.security"]
    sid = token.seller.sid
    assert messages == [
        f"token {action} user=- token={token.pk} seller={sid} outcome=valid "
        f"fingerprint={token.fingerprint_prefix}"
        for action in ("create", "check")
    ]
    assert raw not in caplog.text and token.ciphertext not in caplog.text


@pytest.mark.parametrize("who", ["nobody", "customer"])
def test_user_must_be_an_active_staff_user(cli, mint, plain_user, wb, who):
    result = cli.fails("wb_tokens", "add", "--name", "X", "--user", who, stdin=mint())
    assert str(result.error) == f"No active staff user {who}."
    assert_nothing_saved()
    assert wb.request_count() == 0


def test_add_user_records_who_added_it(cli, mint, desk_clerk):
    cli("wb_tokens", "add", "--name", "X", "--user", "desk-clerk", stdin=mint())
    token = WBToken.objects.get()
    assert token.created_by == desk_clerk
    assert LogEntry.objects.get().user == desk_clerk


# --- delete -------------------------------------------------------------------------------


def test_delete_yes_deletes_the_token_and_its_history(cli, store):
    token, _ = store("Alpha")
    keep, _ = store("Beta")

    result = cli("wb_tokens", "delete", str(token.pk)[:8], "--yes")

    assert result.out.strip() == "Deleted Alpha."
    assert list(WBToken.objects.all()) == [keep]
    assert not WBTokenCheck.objects.filter(token_id=token.pk).exists()
    assert not LogEntry.objects.exists()


def test_delete_with_user_is_audited(cli, store, desk_clerk):
    token, _ = store("Alpha")
    cli("wb_tokens", "delete", str(token.pk), "--yes", "--user", "desk-clerk")
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_id) == (desk_clerk, DELETION, str(token.pk))


def test_delete_without_yes_and_without_a_terminal_refuses(cli, store):
    token, _ = store("Alpha")
    result = cli.fails("wb_tokens", "delete", str(token.pk), stdin="yes\n")
    assert str(result.error) == "Add --yes to delete without a terminal to confirm in."
    assert WBToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("answer", ["yes", "YES ", "y", "Y"])
def test_delete_on_a_terminal_deletes_when_confirmed(cli, store, capsys, answer):
    token, _ = store("Alpha")
    cli("wb_tokens", "delete", str(token.pk), stdin=f"{answer}\n", tty=True)
    assert not WBToken.objects.exists()
    assert f"Delete the token “Alpha” of {SELLER} Alpha? [yes/no] " in capsys.readouterr().out


@pytest.mark.parametrize("answer", ["да", "Д", "yes", "y"])
def test_delete_in_russian_takes_a_russian_or_an_english_yes(cli, store, capsys, answer):
    token, _ = store("Alpha")
    with translation.override("ru"):
        cli("wb_tokens", "delete", str(token.pk), stdin=f"{answer}\n", tty=True)
    assert not WBToken.objects.exists()
    assert f"Удалить токен «Alpha» продавца {SELLER} Alpha? [да/нет] " in capsys.readouterr().out


def test_delete_of_a_sandbox_token_asks_without_a_seller(cli, store, capsys):
    token, _ = store("Sandbox", type="test", categories="content")
    cli("wb_tokens", "delete", str(token.pk), stdin="y\n", tty=True)
    assert "Delete the token “Sandbox”? [yes/no] " in capsys.readouterr().out


@pytest.mark.parametrize("answer", ["no", "", "n", "yess", "нет"])
def test_delete_on_a_terminal_keeps_the_token_unless_confirmed(cli, store, answer):
    token, _ = store("Alpha")
    result = cli.fails("wb_tokens", "delete", str(token.pk), stdin=f"{answer}\n", tty=True)
    assert str(result.error) == "Nothing deleted."
    assert WBToken.objects.filter(pk=token.pk).exists()


def test_delete_of_an_unknown_id_refuses(cli):
    result = cli.fails("wb_tokens", "delete", str(uuid.UUID(int=7)), "--yes")
    assert str(result.error).startswith("No token with ID ")


# --- rotate_wb_token_keys -----------------------------------------------------------------


def key_ids() -> list[str]:
    return sorted(
        envelope_key_id(text) for text in WBToken.objects.values_list("ciphertext", flat=True)
    )


def test_rotation_moves_every_token_to_the_first_key(cli, store, settings):
    store("Alpha")
    store("Beta")
    assert key_ids() == [ID_A, ID_A]
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]

    result = cli("rotate_wb_token_keys", "--yes")

    assert lines(result.out) == [
        f"Key {ID_A}: 2 tokens",
        f"No token is under key {ID_B} yet. Every server and worker must have it in "
        "WB_TOKEN_KEYS before you go on, or they cannot read what is re-encrypted.",
        f"Re-encrypted 2 tokens with key {ID_B}.",
        f"Key {ID_B} (primary): 2 tokens",
        "Every token is under the primary key; keys not listed above can be removed.",
    ]
    assert key_ids() == [ID_B, ID_B]


def test_rotation_asks_which_key_and_how_many_tokens_before_it_writes(cli, store, settings, capsys):
    store("Alpha")
    store("Beta")
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]

    result = cli.fails("rotate_wb_token_keys", stdin="no\n", tty=True)

    assert str(result.error) == "Nothing re-encrypted."
    question = f"Re-encrypt 2 tokens with key {ID_B}, the first of WB_TOKEN_KEYS? [yes/no] "
    assert question in capsys.readouterr().out
    assert key_ids() == [ID_A, ID_A]
    cli("rotate_wb_token_keys", stdin="yes\n", tty=True)
    assert key_ids() == [ID_B, ID_B]


def test_rotation_without_a_terminal_needs_yes(cli, store, settings):
    store("Alpha")
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    result = cli.fails("rotate_wb_token_keys", stdin="yes\n")
    assert str(result.error) == "Add --yes to re-encrypt without a terminal to confirm in."
    assert key_ids() == [ID_A]


def test_after_rotation_the_old_key_can_be_removed(cli, store, settings):
    tokens = dict([store("Alpha"), store("Beta")])
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    cli("rotate_wb_token_keys", "--yes")

    settings.WB_TOKEN_KEYS = [KEY_B]

    for token, raw in tokens.items():
        token.refresh_from_db()
        assert get_cipher().decrypt(token.ciphertext, row_id=token.pk) == raw
    result = cli("wb_tokens", "check", "--wait", "--all")
    assert lines(result.out)[-1] == "Checked 2 tokens. Valid: 2"


def test_a_rename_of_a_token_read_before_the_rotation_keeps_it_under_the_new_key(
    cli, store, settings
):
    token, raw = store("Alpha")
    read_before = WBToken.objects.get(pk=token.pk)  # e.g. by an edit page opened earlier
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    cli("rotate_wb_token_keys", "--yes")

    token_update(token=read_before, name="Renamed", by=None)

    assert key_ids() == [ID_B]
    settings.WB_TOKEN_KEYS = [KEY_B]
    stored = WBToken.objects.get()
    assert stored.name == "Renamed"
    assert get_cipher().decrypt(stored.ciphertext, row_id=stored.pk) == raw


def writing_the_old_secret_back(monkeypatch, token: WBToken, *, times: int) -> None:
    """After each of the rotation's first `times` batches, another process writes `token`'s
    old ciphertext back (a full save of a copy it read before the rotation)."""
    rotate_batch = services.rotate_batch
    writes = iter(range(times))

    def batch_then_stale_write(*args, **kwargs) -> None:
        rotate_batch(*args, **kwargs)
        if next(writes, None) is not None:
            WBToken.objects.filter(pk=token.pk).update(ciphertext=token.ciphertext)

    monkeypatch.setattr(services, "rotate_batch", batch_then_stale_write)


def test_rotation_takes_a_token_written_under_the_old_key_while_it_ran(
    cli, store, settings, monkeypatch
):
    victim, _ = store("Alpha")
    store("Beta")
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    writing_the_old_secret_back(monkeypatch, victim, times=1)

    result = cli("rotate_wb_token_keys", "--yes", "--batch-size", "1")

    assert key_ids() == [ID_B, ID_B]
    assert lines(result.out)[-2:] == [
        f"Key {ID_B} (primary): 2 tokens",
        "Every token is under the primary key; keys not listed above can be removed.",
    ]


def test_rotation_fails_while_a_token_stays_under_the_old_key(cli, store, settings, monkeypatch):
    victim, _ = store("Alpha")
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    writing_the_old_secret_back(monkeypatch, victim, times=1000)

    result = cli.fails("rotate_wb_token_keys", "--yes")

    assert str(result.error).startswith("1 token is still under another key")
    assert "do not remove any key yet" in str(result.error)
    assert f"Key {ID_A}: 1 token" in lines(result.out)
    assert "can be removed" not in result.out


def test_rotation_is_idempotent(cli, store, settings):
    store("Alpha")
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    cli("rotate_wb_token_keys", "--yes")
    ciphertexts = list(WBToken.objects.values_list("ciphertext", flat=True))

    result = cli("rotate_wb_token_keys")

    assert lines(result.out) == [
        f"Key {ID_B} (primary): 1 token",
        f"Every token is under key {ID_B} already.",
    ]
    assert list(WBToken.objects.values_list("ciphertext", flat=True)) == ciphertexts


def test_rotation_only_rewrites_tokens_not_under_the_first_key(cli, store, settings):
    old, _ = store("Alpha")
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    new, _ = store("Beta")
    new_ciphertext = new.ciphertext

    result = cli("rotate_wb_token_keys", "--yes")

    assert lines(result.out) == [
        f"Key {ID_B} (primary): 1 token",
        f"Key {ID_A}: 1 token",
        f"Re-encrypted 1 token with key {ID_B}.",
        f"Key {ID_B} (primary): 2 tokens",
        "Every token is under the primary key; keys not listed above can be removed.",
    ]
    assert WBToken.objects.get(pk=new.pk).ciphertext == new_ciphertext
    assert envelope_key_id(WBToken.objects.get(pk=old.pk).ciphertext) == ID_B


def test_rotation_names_the_tokens_no_configured_key_can_read(cli, store, settings):
    store("Alpha")
    settings.WB_TOKEN_KEYS = [KEY_B]
    result = cli.fails("rotate_wb_token_keys", "--yes")
    assert lines(result.out)[0] == f"Key {ID_A} (not configured: cannot be read): 1 token"
    assert str(result.error) == "1 token cannot be decrypted with the configured keys."


def test_rotation_in_batches_of_one(cli, store, settings):
    for name in ("Alpha", "Beta", "Gamma"):
        store(name)
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]

    result = cli("rotate_wb_token_keys", "--yes", "--batch-size", "1", "--verbosity", "2")

    assert lines(result.out)[2:6] == [
        "1 token processed",
        "2 tokens processed",
        "3 tokens processed",
        f"Re-encrypted 3 tokens with key {ID_B}.",
    ]
    assert key_ids() == [ID_B] * 3


@pytest.mark.parametrize("size", ["0", "-5"])
def test_rotation_refuses_a_batch_size_below_one(cli, size):
    result = cli.fails("rotate_wb_token_keys", "--batch-size", size)
    assert str(result.error) == "--batch-size must be at least 1."


def test_verify_counts_tokens_per_key_and_writes_nothing(cli, store, settings):
    store("Alpha")
    store("Beta")
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    before = dict(WBToken.objects.values_list("pk", "ciphertext"))

    result = cli("rotate_wb_token_keys", "--verify")

    assert lines(result.out) == [f"Key {ID_A}: 2 tokens", "Every token can be decrypted."]
    assert dict(WBToken.objects.values_list("pk", "ciphertext")) == before


def test_verify_reports_unreadable_tokens_and_writes_nothing(cli, store, settings):
    first, _ = store("Alpha")
    second, _ = store("Beta")
    store("Gamma")
    WBToken.objects.filter(pk=second.pk).update(ciphertext=first.ciphertext)
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    before = dict(WBToken.objects.values_list("pk", "ciphertext"))

    result = cli.fails("rotate_wb_token_keys", "--verify")

    assert str(result.error) == "1 token cannot be decrypted with the configured keys."
    assert lines(result.err) == [f"Unreadable: {second.pk}"]
    assert lines(result.out) == [f"Key {ID_A}: 3 tokens"]
    assert dict(WBToken.objects.values_list("pk", "ciphertext")) == before


def test_rotation_rewrites_the_readable_tokens_and_reports_the_unreadable(cli, store, settings):
    first, _ = store("Alpha")
    second, _ = store("Beta")
    WBToken.objects.filter(pk=second.pk).update(ciphertext=first.ciphertext)
    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]

    result = cli.fails("rotate_wb_token_keys", "--yes")

    assert lines(result.err) == [f"Unreadable: {second.pk}"]
    assert envelope_key_id(WBToken.objects.get(pk=first.pk).ciphertext) == ID_B
    assert WBToken.objects.get(pk=second.pk).ciphertext == first.ciphertext


# --- generate_keys ------------------------------------------------------------------------


def test_generate_keys_prints_a_fresh_encryption_key_only(cli):
    result = cli("generate_keys")

    [line] = lines(result.out)
    name, key = line.split("=", 1)
    assert name == "WB_TOKEN_KEYS" and len(decode_key(key)) == 32
    assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "rotate_wb_token_keys" in result.err
    assert lines(cli("generate_keys").out) != [line]


def test_generate_keys_prints_a_fingerprint_key_only_when_asked_and_says_when_to_use_it(cli):
    result = cli("generate_keys", "--fingerprint-key")

    keys_line, warning, fingerprint_line = lines(result.out)
    assert warning.startswith("# New installations only")
    assert "breaks duplicate detection" in warning
    keys = [keys_line.split("=", 1)[1], fingerprint_line.split("=", 1)[1]]
    assert fingerprint_line.startswith("WB_TOKEN_FINGERPRINT_KEY=")
    assert keys[0] != keys[1]
    TokenCipher([keys[0]], keys[1])  # a usable configuration


def test_list_shows_a_token_no_configured_key_can_read(cli, store, settings):
    store("Alpha")
    settings.WB_TOKEN_KEYS = [KEY_B]
    assert "Cannot be decrypted" in cli("wb_tokens", "list").out
    [entry] = json.loads(cli("wb_tokens", "list", "--json").out)
    assert entry["readable"] is False and entry["status"] == "valid"


@contextmanager
def logging_as_configured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """The project's LOGGING, its handlers bound to standard streams of the test's own."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        configure_logging(django_settings.LOGGING)
        try:
            yield out, err
        finally:
            configure_logging(django_settings.LOGGING)  # bound to the real streams again


def test_log_lines_stay_out_of_a_commands_output(store, monkeypatch):
    token, _ = store("Alpha")
    monkeypatch.setattr(sys, "stdin", FakeStdin(""))

    with logging_as_configured() as (out, err):
        call_command("wb_tokens", "check", "--wait", str(token.pk))
        call_command("wb_tokens", "list", "--json")

    check_line, summary, listing = out.getvalue().split("\n", 2)
    assert check_line.startswith("✓ Alpha") and summary == "Checked 1 token. Valid: 1"
    assert [row["name"] for row in json.loads(listing)] == ["Alpha"]
    assert "token check user=- token=" in err.getvalue()  # the security log, on stderr
