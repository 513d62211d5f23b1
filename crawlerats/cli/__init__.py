"""The `crawlerats` console command: one sub-command module per feature, each with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

#: Sub-command modules; each defines `register(subparsers)` and sets `func` on its parser.
COMMAND_MODULES: tuple[str, ...] = (
    "crawlerats.cli.db",
    "crawlerats.cli.web",
    "crawlerats.cli.rescore",
    "crawlerats.cli.boards",
    "crawlerats.cli.detect",
    "crawlerats.cli.schedule",
    "crawlerats.cli.promotions",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crawlerats", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - top-level: a clear message, not a traceback
        if args.verbose:
            raise
        print(f"crawlerats {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
