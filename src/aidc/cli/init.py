"""`aidc init DIR`: a new repository for your own clusters, using aidc as an installed package
and collection (`aidc.scaffold`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser("init", help="lay out a repository for your own clusters")
    init.add_argument("dir", type=Path, nargs="?", default=Path(), help="the folder (.)")
    init.add_argument("--name", help="the project's name (default: the folder's name)")
    init.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    from aidc.scaffold import init

    written = init(args.dir, args.name)
    for path in written:
        print(f"wrote {path}")
    print(f"next: cd {args.dir} && python -m pip install -r requirements.txt && aidc check")
    return 0
