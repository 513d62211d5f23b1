"""`crawlerats detect URL...`: which ATS and board id each public board URL belongs to (exit 1 if any is unknown)."""

from __future__ import annotations

import argparse

from crawlerats.detect import SUPPORTED_ATS, UnknownBoardUrl, detect


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "detect", help="print the ATS and board id of public job-board URLs",
        description=f"Recognises public board URLs of: {', '.join(SUPPORTED_ATS)}.")
    parser.add_argument("urls", nargs="+", metavar="URL", help="e.g. https://boards.greenhouse.io/stripe")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    unknown = 0
    width = max(len(url) for url in args.urls)
    for url in args.urls:
        try:
            board = detect(url)
        except UnknownBoardUrl as exc:
            unknown += 1
            print(f"{url:<{width}}  cannot tell: {exc}")
            continue
        params = "".join(f" {key}={value}" for key, value in board.params)
        print(f"{url:<{width}}  {board.ats:<15} {board.company}{params}")
    if unknown:
        print(f"{unknown} of {len(args.urls)} URL(s) not recognised")
    return 1 if unknown else 0
