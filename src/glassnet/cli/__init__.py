"""The ``glassnet`` command line: one sub-command per module in ``COMMANDS``.

Each module provides ``add_parser(subparsers)`` and ``run(args) -> int``, and imports what its command
needs inside ``run``, so that building the parser (``--help``, ``--version``) loads neither
scikit-learn nor matplotlib. Errors a user can fix (``ValueError``, ``OSError``, ...) are printed as
one ``glassnet: error: ...`` line with exit code 2, as is running out of memory (with what was asked
for); ``--debug`` shows the traceback instead. Ctrl-C
at any moment prints one line, ``glassnet: interrupted``, with exit code 130.
"""

from __future__ import annotations

import argparse
import os
import sys

from .._version import __version__
from . import compare, evaluate, experiment, export, info, playground, predict, sweep, train

COMMANDS = [train, evaluate, predict, info, compare, export, experiment, sweep, playground]


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="glassnet", description="Neural networks in plain NumPy.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.add_parser(sub)
    for command_parser in sub.choices.values():
        # also after the command (`glassnet train ... --debug`); SUPPRESS keeps `glassnet --debug train`
        command_parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                                    help="show the full traceback on errors")
    parser.commands = sub.choices
    return parser


def parse_args(argv=None):
    """The parsed command line. Words the command does not know are refused by that command's parser,
    so the message points to its own ``--help`` and suggests the option that was probably meant."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command_parser = parser.commands[args.command]
        command_parser.error(f"unrecognized arguments: {' '.join(unknown)}{_did_you_mean(command_parser, unknown)}")
    return args


def _did_you_mean(parser, unknown) -> str:
    import difflib

    known = [s for action in parser._actions for s in action.option_strings if s.startswith("--")]
    for word in unknown:
        if word.startswith("--"):
            close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1, cutoff=0.7)
            if close:
                return f"; did you mean {close[0]}?"
    return ""


def main(argv=None) -> int:
    args = None
    try:
        args = parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # as typed, for the run's record
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("glassnet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whoever read our output stopped early (``glassnet info MODEL | head``): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (ValueError, TypeError, OSError, FloatingPointError, ImportError) as exc:
        if args is None or args.debug:
            raise
        print(f"glassnet: error: {_describe(exc)}", file=sys.stderr)
        return 2
    except MemoryError as exc:
        if args is not None and args.debug:
            raise
        # NumPy's message says what was asked for: "Unable to allocate 763. MiB for an array with shape ..."
        asked = str(exc) or "an allocation failed"
        print(f"glassnet: error: out of memory: {_describe(asked)}; ask for less (fewer or narrower --layers, a "
              "smaller --batch-size or less data).", file=sys.stderr)
        return 2


def _describe(exc) -> str:
    """The error's message on one line; an OSError from the system as "PATH: reason"."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


class ArgumentParser(argparse.ArgumentParser):
    """argparse with glassnet's one-line errors: ``glassnet: error: ...`` and exit code 2, no usage
    block (``--help`` shows it). Sub-command parsers are made with the same class."""

    def __init__(self, *args, **kwargs):
        # "--learning-rat" is a typo, not an abbreviation: only whole option names are accepted
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        command = self.prog.split(" ", 1)[1] if " " in self.prog else ""
        where = f"{command}: " if command else ""
        self.exit(2, f"glassnet: error: {where}{message} (see `{self.prog} --help`)\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
