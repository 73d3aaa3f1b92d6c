"""The commands that move conversations in and out: export (other apps' formats, DOT,
Mermaid) and import. The format readers are imported only when one of these runs, or when
their names are listed (``--format`` choices, ``import --help``)."""

from __future__ import annotations

import argparse
import os
import sys

import attrs
import orjson

import threadtree

from .. import _lazy
from ..errors import InvalidInput
from .output import Output

formats = _lazy.module("threadtree.formats")  # the readers are imported by the commands that use them

__all__ = ["cmd_export", "cmd_import"]


# chatgpt and openwebui exports are JSON arrays, as the exports of those apps are.
_AS_ARRAY = {"chatgpt": lambda value: [value], "openwebui": lambda value: value}
_WHOLE_FILE = {"jsonl", *_AS_ARRAY}


def cmd_export(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    if args.thread is None and args.format not in _WHOLE_FILE:
        raise InvalidInput(f"--format {args.format} exports one thread: name it (THREAD)")
    if args.format == "dot":
        out.stream.write(store.to_dot(args.thread))
    elif args.format == "mermaid":
        out.stream.write(store.to_mermaid(args.thread))
    elif args.format in _WHOLE_FILE:
        if args.thread is not None:
            ids = [store.get_thread(args.thread).id]
        else:
            ids = [t.id for t in store.list_threads(limit=None, include_archived=True)][::-1]  # oldest first
        if args.format == "jsonl":
            for tid in ids:
                for line in formats.export_thread(store, tid, "jsonl"):
                    out.line(orjson.dumps(line).decode("utf-8"))
        else:
            out.json(
                [doc for tid in ids for doc in _AS_ARRAY[args.format](formats.export_thread(store, tid, args.format))]
            )
    else:
        out.json(formats.export_thread(store, args.thread, args.format))
    return 0


def cmd_import(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    from .._progress import ImportProgress

    progress = ImportProgress(sys.stderr, os.path.basename(args.file))  # on a terminal only
    try:
        report = formats.import_file(store, args.file, format=args.format, progress=progress)
    finally:
        progress.close()
    if args.json:
        out.json({"path": report.path, "format": report.format, "outcomes": [attrs.asdict(o) for o in report.outcomes]})
    else:
        for outcome in report.outcomes:
            line = str(outcome)
            out.line(out.style(line, "warn") if outcome.status == "skipped" else line)
            for note in outcome.notes:
                out.line(out.style(f"    note: {note}", "dim"))
        out.line(report.summary())
    return 1 if report.skipped else 0


def _export_choices() -> list[str]:
    """What ``export --format`` accepts: the format modules' exports, then the diagrams."""
    return [*formats.export_formats(), "dot", "mermaid"]


def _import_choices() -> list[str]:
    """What ``import --format`` accepts: the readers' names."""
    return [m.NAME for m in formats.readers()]


class _FormatsEpilog(argparse.RawDescriptionHelpFormatter):
    """Help for ``import``: the formats listed after the options, each with its description.
    Built when help is printed, so that parsing a command line imports no reader."""

    def format_help(self) -> str:
        self.start_section("formats")
        readers = formats.readers()
        width = max(len(m.NAME) for m in readers)
        self.add_text("\n".join(f"{m.NAME:<{width}}  {m.DESCRIPTION}" for m in readers))
        self.end_section()
        return super().format_help()
