"""What one line of a Claude Code transcript holds: its role, text and visibility
(docs/formats.md 3.4), the title a session's first typed prompt gives, its timestamp. The
reader, :mod:`threadtree.formats.claude_code`, sorts the lines into conversations.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, TypeGuard

from ._model import Node
from .chat_api import blocks_text

# Text the harness writes as a user line: not a prompt the user typed, so not a title.
_NOT_A_PROMPT = (
    "<command-name>",
    "<command-message>",
    "<local-command-",
    "<bash-stdout>",
    "<bash-stderr>",
    "<system-reminder>",
    "Caveat:",
    "[Request interrupted",
)
_TITLE_LENGTH = 80
_SNIFF_LINES = 50  # the first lines sniff() and the search for a file's session look at


def render(obj: dict, kind: str) -> tuple[str, str, bool]:
    """``(role, text, hidden)`` of one line (docs/formats.md 3.4)."""
    message = obj.get("message")
    content = message.get("content") if isinstance(message, dict) else message
    if kind == "user":
        blocks = content if isinstance(content, list) else []
        tool = bool(blocks) and all(isinstance(b, dict) and b.get("type") == "tool_result" for b in blocks)
        return ("tool" if tool else "user"), blocks_text(content), obj.get("isMeta") is True
    if kind == "assistant":
        text = blocks_text(content)
        if text.strip() or _has_block(content, "tool_use"):
            return "assistant", text, False
        return "assistant", _thinking(content) or text, True
    if kind == "system":
        body = obj.get("content")
        return "system", body if isinstance(body, str) else f"[{obj.get('subtype') or 'system'}]", True
    if kind == "attachment":
        given = obj.get("attachment")
        attachment = given if isinstance(given, dict) else {}
        body = attachment.get("content")
        if isinstance(body, str) and body.strip():
            return "other", body, True
        return "other", f"[attachment {attachment.get('type') or ''}]".replace(" ]", "]"), True
    if kind == "progress":
        given = obj.get("data")
        data = given if isinstance(given, dict) else {}
        return "other", f"[progress {data.get('type') or ''}]".replace(" ]", "]"), True
    return "other", blocks_text(content) or f"[{kind}]", True


def _thinking(content: Any) -> str:
    if not isinstance(content, list):
        return ""
    return "\n\n".join(
        b["thinking"]
        for b in content
        if isinstance(b, dict) and b.get("type") == "thinking" and isinstance(b.get("thinking"), str)
    )


def _has_block(content: Any, kind: str) -> bool:
    return isinstance(content, list) and any(isinstance(b, dict) and b.get("type") == kind for b in content)


def _first_prompt(nodes: list[Node]) -> str | None:
    """The first line of the first prompt the user typed, else the first slash command."""
    command = None
    for node in nodes:
        if node.role != "user" or node.hidden:
            continue
        text = _prompt_text(node.item).strip()
        if not text:
            continue
        if not text.startswith(_NOT_A_PROMPT):
            line = next(s.strip() for s in text.splitlines() if s.strip())
            return line if len(line) <= _TITLE_LENGTH else line[: _TITLE_LENGTH - 1].rstrip() + "…"
        if command is None and (match := _COMMAND.search(text)):
            command = " ".join(part for part in match.group(1, 2) if part).strip()
    return command or None


_COMMAND = re.compile(
    r"<command-name>\s*(.*?)\s*</command-name>(?:.*?<command-args>\s*(.*?)\s*</command-args>)?", re.DOTALL
)


def _prompt_text(item: dict) -> str:
    """The typed text of a user line: a string content, or its ``text`` blocks (no images)."""
    message = item.get("message")
    content = message.get("content") if isinstance(message, dict) else message
    if isinstance(content, list):
        return "\n".join(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return content if isinstance(content, str) else ""


# -- small helpers ----------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$")


def _seconds(value: Any) -> float | None:
    """Unix seconds of Claude Code's ``2025-06-14T11:00:00.123Z`` (any fraction length)."""
    if not isinstance(value, str) or not (match := _ISO.match(value.strip())):
        return None
    stamp, fraction, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z") else zone
    try:
        moment = _dt.datetime.fromisoformat(stamp + (zone if ":" in zone else zone[:3] + ":" + zone[3:]))
    except ValueError:
        return None
    return moment.timestamp() + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


def _is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _json_kind(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return "null"
