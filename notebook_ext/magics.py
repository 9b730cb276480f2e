"""IPython magics: ``%%evaltrace`` records the evaluations of a cell."""

from __future__ import annotations

import argparse
import shlex

from .ledger import EvalLedger

last_ledger = None  # the ledger of the latest %%evaltrace cell


def _parse(line: str):
    p = argparse.ArgumentParser(prog="%%evaltrace", add_help=False)
    p.add_argument("--growth", type=int, default=None,
                   help="warn when one evaluation runs more than N primitives")
    p.add_argument("--name", default=None, help="also store the ledger in this variable")
    p.add_argument("--quiet", action="store_true", help="do not display the ledger")
    return p.parse_args(shlex.split(line))


def evaltrace(line, cell):
    """%%evaltrace [--growth N] [--name VAR] [--quiet]: run the cell, then show every
    evaluation it caused (trigger, line, nodes, bytes, time) and their graphs."""
    global last_ledger
    from IPython import get_ipython
    from IPython.display import display

    args = _parse(line)
    shell = get_ipython()
    ledger = EvalLedger(growth_warning=args.growth)
    ledger.label = "%%evaltrace"
    with ledger:
        shell.run_cell(cell, store_history=False, silent=False)
    last_ledger = ledger
    if args.name:
        shell.user_ns[args.name] = ledger
    if not args.quiet:
        display(ledger)


def register(ipython) -> None:
    ipython.register_magic_function(evaltrace, magic_kind="cell", magic_name="evaltrace")
