"""Google AI Studio prompt files (the chat files AI Studio saves to Google Drive).

docs/formats.md section 9. The file is ``{runSettings{...}, systemInstruction{...},
chunkedPrompt{chunks[]}, pendingInputs[]}``; a chunk is ``{role: "user"|"model", text,
tokenCount?, isThought?, parts?[{text, thought}], finishReason?, ...}``.

How it maps onto threadtree:

* One file = one thread. Genuine files carry no id or title (Drive holds them as the file's
  id and name), so the thread is keyed by the top-level ``id`` when there is one, else by the
  file name without a ``.json`` ending (Drive saves prompts without one);
  title = ``displayName``, else that file name. The header is
  the file without ``chunkedPrompt.chunks``.
* A non-empty ``systemInstruction`` becomes a hidden ``system`` root with the id
  ``system-instruction`` and its ``text`` (or the joined ``parts[].text``) as text.
* One chunk = one node, keyed by the chunk's ``id`` when it has one, else ``chunk-<i>`` (its
  0-based index in ``chunks``, stable because AI Studio only appends). The item is the chunk.
* The tree: a chunk with ``branchParent{id}`` hangs under that chunk (only seen in a hand-written
  fixture, docs/formats.md section 9); every other chunk hangs under the chunk before it in the array
  (the first under the system root, or none). ``branchChildren`` is kept in the item only.
* Role: ``user`` -> user, ``model`` -> assistant, anything else -> other (noted). Thought chunks
  (``isThought: true``: the model's reasoning, saved as a separate chunk before its answer) are
  hidden assistant nodes.
* Text: ``text``, else the joined ``parts[].text``.
* Times: ``createTime`` (ISO-8601) of chunks and of the file, ``updateTime`` of the file, when
  present (genuine files have none).
* Live leaf: the last chunk in the array.
* A file that is not valid JSON is skipped with its line and column; a file without
  ``chunkedPrompt.chunks`` is skipped whole.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

from ._model import Conversation, Node, Skipped
from ._reading import first_value, head_text, iso_seconds, load_json

NAME = "aistudio"
DESCRIPTION = "Google AI Studio prompt file ({runSettings, systemInstruction, chunkedPrompt{chunks}})"

SYSTEM_ID = "system-instruction"
_ROLES = {"user": "user", "model": "assistant"}


def sniff(head: bytes, path: pathlib.Path) -> bool:
    """An object with ``chunkedPrompt.chunks`` (an array); for a larger file, the head must show
    ``"chunkedPrompt": {`` and ``"chunks": [`` in an object."""
    whole, value = first_value(head, path)
    if whole:
        return (
            isinstance(value, dict)
            and isinstance(value.get("chunkedPrompt"), dict)
            and isinstance(value["chunkedPrompt"].get("chunks"), list)
        )
    text = "".join(head_text(head).split())
    return text.startswith("{") and '"chunkedPrompt":{' in text and '"chunks":[' in text


def read(path: pathlib.Path) -> Iterator[Conversation | Skipped]:
    """The one conversation of an AI Studio file (see the module docstring)."""
    data = load_json(path)
    if isinstance(data, Skipped):
        yield data
        return
    prompt = data.get("chunkedPrompt") if isinstance(data, dict) else None
    chunks = prompt.get("chunks") if isinstance(prompt, dict) else None
    if not isinstance(prompt, dict) or not isinstance(chunks, list):
        yield Skipped("file", "an AI Studio file is an object with chunkedPrompt.chunks")
        return
    notes: list[str] = []
    nodes: list[Node] = []
    system = _system_text(data.get("systemInstruction"))
    previous = None
    if system:
        nodes.append(Node(SYSTEM_ID, None, "system", system, data["systemInstruction"], hidden=True))
        previous = SYSTEM_ID
    for position, chunk in enumerate(chunks):
        if not isinstance(chunk, dict):
            notes.append(f"chunk {position}: not a JSON object; skipped")
            continue
        chunk_id = chunk.get("id")
        source_id = chunk_id if isinstance(chunk_id, str) and chunk_id else f"chunk-{position}"
        branch = chunk.get("branchParent")
        if isinstance(branch, dict) and isinstance(branch.get("id"), str) and branch["id"]:
            parent = branch["id"]
        else:
            parent = previous
        given = chunk.get("role")
        # a role that is not a string (a list from a hostile file) is not hashable: no lookup
        role = _ROLES.get(given, "other") if isinstance(given, str) else "other"
        if role == "other":
            notes.append(f"node {source_id}: unknown role {given!r}; role other")
        nodes.append(
            Node(
                source_id=source_id,
                parent=parent,
                role=role,
                content=_chunk_text(chunk),
                item=chunk,
                hidden=chunk.get("isThought") is True,
                created_at=iso_seconds(chunk.get("createTime")),
            )
        )
        previous = source_id
    name = path.name.removesuffix(".json")
    source_id = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else name
    title = data.get("displayName") if isinstance(data.get("displayName"), str) and data.get("displayName") else name
    header = {key: value for key, value in data.items() if key != "chunkedPrompt"}
    header["chunkedPrompt"] = {key: value for key, value in prompt.items() if key != "chunks"}
    yield Conversation(
        format=NAME,
        source_id=source_id,
        title=title,
        nodes=nodes,
        current=previous,
        metadata={"header": header},
        created_at=iso_seconds(data.get("createTime")),
        updated_at=iso_seconds(data.get("updateTime")),
        where=f"prompt {source_id}",
        notes=notes,
    )


def _system_text(instruction: Any) -> str:
    if isinstance(instruction, str):
        return instruction
    if not isinstance(instruction, dict):
        return ""
    return _chunk_text(instruction)


def _chunk_text(chunk: dict[str, Any]) -> str:
    text = chunk.get("text")
    if isinstance(text, str) and text:
        return text
    parts = chunk.get("parts")
    if isinstance(parts, list):
        return "".join(p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""
