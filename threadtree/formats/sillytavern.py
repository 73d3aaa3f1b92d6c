"""SillyTavern chat files (``data/<user>/chats/<character>/<chat name>.jsonl``).

docs/formats.md section 10. A JSONL file, read one line at a time. Line 1 is the header
``{user_name, character_name, create_date, chat_metadata?}``; every other line is a message
``{name, is_user, is_system?, send_date, mes, extra?, swipe_id?, swipes?, swipe_info?, ...}``.

How it maps onto threadtree:

* One file = one thread. The file has no id of its own, so the thread is keyed by
  ``<character_name>/<file name without .jsonl>`` (ST names the file after the chat and keeps
  the name; ``create_date`` cannot serve, because a branch file copies it from its main chat).
  Title = the file name without ``.jsonl``. The header line is ``metadata["header"]``; a branch's
  ``chat_metadata.main_chat`` is also put in ``metadata["parent_session"]``.
* The file is linear. A message without swipes is one node with the id ``line-<n>``, its 1-based
  line number (ST rewrites the file on every save but keeps the order; deleting a message in
  ST shifts the numbers of the later ones, and a re-import of such a file updates or refuses
  the entries whose ids moved). Its item is the line as parsed, its text ``mes``.
* A message with ``swipes`` (alternative replies) becomes one sibling node per swipe, under the
  same parent, with the ids ``line-<n>/swipe-<i>`` (0-based) in swipe order, text ``swipes[i]``
  and time ``swipe_info[i].send_date``. The displayed swipe (``swipe_id``) carries the whole
  message as its item, ``mes`` as its text and the message's ``send_date``; the other swipes
  carry ``{"swipe_of": "line-<n>", "swipe": i, "text": swipes[i], "swipe_info": swipe_info[i]}``
  so the message is stored once. The next message hangs under the displayed swipe. A
  ``swipe_id`` outside the list is noted, and the swipe whose text equals ``mes`` (else the
  first) is taken as displayed.
* Role: ``is_user`` -> user, otherwise assistant. ``is_system`` messages (left out of the prompt
  by ST: hidden with /hide, or its own notices) are kept as hidden nodes with that role.
* Times: ``send_date``, a Unix-milliseconds number in old files, a string in newer ones, parsed
  leniently (ISO-8601, ``May 18, 2023 5:23pm``, ``2023-5-18@17h23m45s``, digits); a time
  without a zone is taken as UTC (ST writes the user's local time); unparseable -> none.
* Live leaf: the last message, at its displayed swipe.
* A line that is not a JSON object is skipped with a note naming the line (the next message
  hangs under the message before it). A file whose header line is not valid is skipped whole.
"""

from __future__ import annotations

import datetime as _dt
import pathlib
import re
from collections.abc import Iterator
from typing import Any

import orjson

from ._model import Conversation, Node, Skipped
from ._reading import first_line, iso_seconds, jsonl_lines, millis_seconds

NAME = "sillytavern"
DESCRIPTION = "SillyTavern chat (JSONL: a {user_name, character_name} header, then messages)"

_HUMANIZED = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})\s*@\s*(\d{1,2})h\s*(\d{1,2})m\s*(\d{1,2})s(?:\s*(\d+)ms)?$")
_TEXT_FORMATS = ("%B %d, %Y %I:%M%p", "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M%p", "%b %d, %Y %I:%M %p")


def sniff(head: bytes, path: pathlib.Path) -> bool:
    """The first line is an object with ``user_name`` and ``character_name`` and no ``type``."""
    header = first_line(head)
    return (
        isinstance(header, dict)
        and "user_name" in header
        and "character_name" in header
        and "type" not in header
        and "mes" not in header
    )


def send_date_seconds(value: Any) -> float | None:
    """Unix seconds of a ``send_date``: ms number, digit string, ISO-8601 or ST's text forms."""
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return millis_seconds(int(text))
        moment = iso_seconds(text)
        if moment is not None:
            return moment
        match = _HUMANIZED.match(text)
        if match:
            year, month, day, hour, minute, second, millis = match.groups()
            try:
                stamp = _dt.datetime(
                    int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=_dt.timezone.utc
                )
            except ValueError:
                return None
            return stamp.timestamp() + int(millis or 0) / 1000
        for pattern in _TEXT_FORMATS:
            try:
                stamp = _dt.datetime.strptime(text, pattern)
            except ValueError:
                continue
            return stamp.replace(tzinfo=_dt.timezone.utc).timestamp()
        return None
    return millis_seconds(value)


def read(path: pathlib.Path) -> Iterator[Conversation | Skipped]:
    """The chat of one SillyTavern file, read line by line (see the module docstring)."""
    header: dict[str, Any] | None = None
    nodes: list[Node] = []
    notes: list[str] = []
    previous: str | None = None
    for number, line in jsonl_lines(path):
        try:
            message = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if header is None:
                yield Skipped(f"line {number}, column {exc.colno}", f"the chat header is not valid JSON: {exc.msg}")
                return
            notes.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno}); skipped")
            continue
        if header is None:
            if not isinstance(message, dict) or "character_name" not in message:
                yield Skipped(f"line {number}", "the first line is not a SillyTavern chat header")
                return
            header = message
            continue
        if not isinstance(message, dict):
            notes.append(f"line {number}: not a JSON object; skipped")
            continue
        previous = _add_message(number, message, previous, nodes, notes)
    if header is None:
        yield Skipped("file", "the file is empty: no SillyTavern chat header")
        return
    character = header.get("character_name")
    source_id = f"{character}/{path.stem}" if isinstance(character, str) and character else path.stem
    metadata: dict[str, Any] = {"header": header}
    chat_metadata = header.get("chat_metadata")
    if isinstance(chat_metadata, dict) and isinstance(chat_metadata.get("main_chat"), str):
        metadata["parent_session"] = chat_metadata["main_chat"]
    times = [node.created_at for node in nodes if node.created_at is not None]
    yield Conversation(
        format=NAME,
        source_id=source_id,
        title=path.stem,
        nodes=nodes,
        current=previous,
        metadata=metadata,
        created_at=send_date_seconds(header.get("create_date")),
        updated_at=max(times) if times else None,
        where=f"chat {source_id}",
        notes=notes,
    )


def _add_message(number: int, message: dict[str, Any], parent: str | None, nodes: list[Node], notes: list[str]) -> str:
    """Append the node(s) of one message; return the id the next message hangs under."""
    role = "user" if message.get("is_user") is True else "assistant"
    hidden = message.get("is_system") is True
    mes = message.get("mes")
    mes = mes if isinstance(mes, str) else ""
    created = send_date_seconds(message.get("send_date"))
    base = f"line-{number}"
    swipes = message.get("swipes")
    if not isinstance(swipes, list) or not swipes:
        nodes.append(Node(base, parent, role, mes, message, hidden, created))
        return base
    shown = message.get("swipe_id")
    if isinstance(shown, bool) or not isinstance(shown, int) or not 0 <= shown < len(swipes):
        fallback = next((i for i, text in enumerate(swipes) if text == mes), 0)
        notes.append(
            f"node {base}: swipe_id {shown!r} is not one of its {len(swipes)} swipes; "
            f"swipe {fallback} taken as displayed"
        )
        shown = fallback
    infos = message.get("swipe_info")
    infos = infos if isinstance(infos, list) else []
    for index, text in enumerate(swipes):
        info = infos[index] if index < len(infos) else None
        source_id = f"{base}/swipe-{index}"
        if index == shown:
            nodes.append(Node(source_id, parent, role, mes, message, hidden, created))
            continue
        when = send_date_seconds(info.get("send_date")) if isinstance(info, dict) else None
        item = {"swipe_of": base, "swipe": index, "text": text, "swipe_info": info}
        nodes.append(Node(source_id, parent, role, text if isinstance(text, str) else "", item, hidden, when))
    return f"{base}/swipe-{shown}"
