"""Command line of the WB emulator.

    python -m wbapi.emulator [serve] [--host 127.0.0.1] [--port 8010] [--speed 1.0] [--fault JSON]
                                    [--products N] [--orders-per-day N] [--page-rows N]
                                    [--history-start YYYY-MM-DD]
    python -m wbapi.emulator configure --sid UUID [--products N] [--orders-per-day N] ...
    python -m wbapi.emulator mint [--type personal] [--categories content,statistics] [--days 180]
                                  [--seller-name NAME] [--tin INN] [--trade-mark TM] [--country RU]
                                  [--read-only] [--test] [--sid UUID]
    python -m wbapi.emulator revoke < token.txt
    python -m wbapi.emulator demo-tokens [--json]

All commands take --state-dir (default $WB_EMULATOR_STATE_DIR or var/emulator): the signing key,
the sellers named at mint time, the revocations, the sellers' world configurations and the demo
tokens live there, shared by all of them. `serve`'s world options are the defaults for sellers
that have no configuration of their own (`configure` gives one).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from wbapi.claims import decode_token
from wbapi.emulator import demo
from wbapi.emulator.app import EmulatorApp
from wbapi.emulator.faults import KINDS, Fault
from wbapi.emulator.minting import ACC_BY_TYPE, TOKEN_LIFETIME_DAYS, state_dir_from_env
from wbapi.emulator.server import make_server
from wbapi.emulator.state import EmulatorState
from wbapi.emulator.world.config import WorldConfig
from wbapi.errors import WBError

COMMANDS = ("serve", "configure", "mint", "revoke", "demo-tokens")
FAULTS_ENV = "WB_EMULATOR_FAULTS"
WORLD_OPTIONS = ("products", "orders_per_day", "page_rows", "history_start")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["serve", *argv]
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, WBError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def serve(args: argparse.Namespace) -> int:
    faults = [Fault.from_dict(item) for item in json.loads(os.environ.get(FAULTS_ENV) or "[]")]
    faults += [Fault.from_dict(json.loads(item)) for item in args.fault]
    defaults = WorldConfig.from_dict(_world_options(args))
    state = EmulatorState.open(args.state_dir, speed=args.speed, world_defaults=defaults)
    for fault in faults:
        state.faults.add(fault)
    server = make_server(EmulatorApp(state), args.host, args.port)
    print(f"WB emulator at http://{args.host}:{server.server_port}/{{host}}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def configure(args: argparse.Namespace) -> int:
    state = EmulatorState.open(args.state_dir)
    config = state.worlds.configure(args.sid, _world_options(args))
    print(json.dumps({"sid": args.sid, **config.as_dict()}, ensure_ascii=False))
    return 0


def mint(args: argparse.Namespace) -> int:
    state = EmulatorState.open(args.state_dir)
    token = state.mint(
        type=args.type,
        categories=args.categories,
        days=args.days,
        seller_name=args.seller_name,
        tin=args.tin,
        trade_mark=args.trade_mark,
        country=args.country,
        read_only=args.read_only,
        test=args.test,
        sid=args.sid,
    )
    claims = decode_token(token)
    seller = state.sellers.get(claims.seller_sid)
    print(token)
    print(
        f"{claims.token_type} token for {seller.name} (sid {seller.sid}), "
        f"categories {', '.join(claims.categories) or 'none'}, "
        f"expires {claims.expires_at:%Y-%m-%d %H:%M} UTC",
        file=sys.stderr,
    )
    return 0


def revoke(args: argparse.Namespace) -> int:
    # From stdin or a prompt, never from the command line: argv ends up in shell history.
    token = getpass.getpass("Token: ") if sys.stdin.isatty() else sys.stdin.read()
    hint = EmulatorState.open(args.state_dir).revoke(token)
    print(f"Revoked token …{hint}")
    return 0


def demo_tokens(args: argparse.Namespace) -> int:
    tokens = demo.tokens(EmulatorState.open(args.state_dir))
    if args.json:
        print(json.dumps([token.as_dict() for token in tokens], ensure_ascii=False, indent=1))
        return 0
    print(f"# Tokens for the WB emulator using {args.state_dir}; paste one into wberp.")
    for token in tokens:
        print(f"\n# {token.seller}: {token.name}\n{token.token}")
    return 0


def _world_options(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in WORLD_OPTIONS if getattr(args, name) is not None}


def _add_world_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--products", type=int, help="catalogue size (default 300)")
    parser.add_argument("--orders-per-day", type=int, help="orders a day (default 300)")
    parser.add_argument("--page-rows", type=int, help="statistics rows per page (default 80000)")
    parser.add_argument(
        "--history-start", help="YYYY-MM-DD (default: the Monday 120 days before first use)"
    )


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--state-dir",
        type=Path,
        default=state_dir_from_env(),
        help="key, sellers and revocations (default: $WB_EMULATOR_STATE_DIR or var/emulator)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m wbapi.emulator",
        description="A local WB seller API. Without a command, it serves.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", parents=[common], help="serve the emulated WB API")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8010)
    serve_parser.add_argument(
        "--speed", type=_positive_float, default=1.0, help="divide every rate-limit period by this"
    )
    serve_parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help=f'inject a fault, e.g. \'{{"kind": "status", "status": 503}}\'; '
        f"kinds: {', '.join(KINDS)}; also ${FAULTS_ENV} (a JSON list)",
    )
    _add_world_options(serve_parser)
    serve_parser.set_defaults(run=serve)

    configure_parser = commands.add_parser(
        "configure", parents=[common], help="set a seller's world configuration"
    )
    configure_parser.add_argument("--sid", required=True, help="the seller's UUID")
    _add_world_options(configure_parser)
    configure_parser.set_defaults(run=configure)

    mint_parser = commands.add_parser("mint", parents=[common], help="print a new token")
    mint_parser.add_argument("--type", choices=sorted(ACC_BY_TYPE), default="personal")
    mint_parser.add_argument("--categories", help="comma-separated; default: every current one")
    mint_parser.add_argument("--days", "--expires-in-days", type=float, default=TOKEN_LIFETIME_DAYS)
    mint_parser.add_argument("--seller-name")
    mint_parser.add_argument("--tin")
    mint_parser.add_argument("--trade-mark")
    mint_parser.add_argument("--country")
    mint_parser.add_argument("--read-only", action="store_true")
    mint_parser.add_argument("--test", action="store_true", help="set the sandbox claim t")
    mint_parser.add_argument("--sid", help="seller UUID; default: from the seller name, or new")
    mint_parser.set_defaults(run=mint)

    revoke_parser = commands.add_parser(
        "revoke", parents=[common], help="revoke the token on stdin"
    )
    revoke_parser.set_defaults(run=revoke)

    demo_parser = commands.add_parser("demo-tokens", parents=[common], help="print demo tokens")
    demo_parser.add_argument("--json", action="store_true", help="name, token and seller as JSON")
    demo_parser.set_defaults(run=demo_tokens)
    return parser


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


if __name__ == "__main__":
    sys.exit(main())
