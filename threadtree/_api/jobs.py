"""Jobs and per-thread tool definitions (issue 8).

job
    Background work an agent host tracks beside its threads (an indexing run, a long tool):
    an id, a name, a status out of :data:`JOB_STATUSES`, a progress percentage and a JSON
    detail. Jobs belong to no thread. :meth:`~Jobs.upsert_job` states the whole job
    each time; there is no lifecycle rule (a failed job may be queued again).
tools
    The ordered list of tool definitions a thread runs with, replaced whole by
    :meth:`~Jobs.set_tools` and given back exactly by :meth:`~Jobs.get_tools`.
    A deleted thread takes its tools with it.

Like every write of the store, each write here checks its input first, then runs in one
``BEGIN IMMEDIATE`` transaction: a rejected call has written nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .. import _json, _validate
from .._db import jobs
from ..errors import InvalidInput, NotFound
from ..records import Job
from .base import StoreBase

__all__ = ["Jobs"]

# The keys a tool definition may carry its input schema under: Anthropic's and OpenAI's.
_SCHEMA_KEYS = ("input_schema", "parameters")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Jobs(StoreBase):
    """Jobs and per-thread tools (methods of :class:`threadtree.Store`)."""

    __slots__ = ()

    # -- jobs --

    def upsert_job(
        self,
        job_id: str,
        name: str,
        status: str,
        *,
        progress: float | None = None,
        detail: Any = None,
    ) -> Job:
        """Create the job ``job_id``, or replace its name, status, progress and detail; return it.

        An upsert states the whole job: ``progress`` or ``detail`` left out are cleared, not
        kept. ``created_at`` stays the time of the first upsert; ``updated_at`` becomes now.
        Any status may follow any other.

        :param job_id: the job's id (a non-empty string, unique in the file).
        :param name: what the job is (a non-empty string).
        :param status: one of ``"queued"``, ``"running"``, ``"completed"``, ``"failed"``,
            ``"cancelled"``.
        :param progress: a percentage, an int or float from 0 to 100 (stored as a float);
            ``None``: unknown.
        :param detail: any JSON value kept with the job (a message, an error, a result
            summary); ``None``: none.
        :raises InvalidInput: a bad id, name or status, a progress that is not a number from
            0 to 100 (a bool, NaN, 101), a detail JSON cannot hold exactly; nothing is written.

        >>> job = store.upsert_job("reindex", "Reindex the docs", "running", progress=40)
        >>> job.status, job.progress
        ('running', 40.0)
        >>> store.upsert_job("reindex", "Reindex the docs", "completed", detail={"files": 12}).progress is None
        True
        """
        jid = _validate.name(job_id, "job_id")
        _validate.size(jid, "job_id", self._max_size)
        job_name = _validate.name(name, "name")
        _validate.size(job_name, "name", self._max_size)
        job_status = _validate.job_status(status)
        percent = _progress(progress)
        detail_json = None
        if detail is not None:
            detail_json = _json.dumps(detail, "detail")[0]
            _validate.size(detail_json, "detail", self._max_size, "bytes of JSON")
        bindings = {
            "job_id": jid,
            "name": job_name,
            "status": job_status,
            "progress": percent,
            "detail": detail_json,
            "now": time.time(),
        }
        with self._db.write() as tx:
            return jobs.upsert_job(tx, bindings)

    def get_job(self, job_id: str) -> Job:
        """The job ``job_id``.

        :raises NotFound: there is no such job.
        :raises InvalidInput: ``job_id`` is not a non-empty string.
        """
        jid = _validate.name(job_id, "job_id")
        with self._db.use() as tx:
            found = jobs.job(tx, jid)
        if found is None:
            raise NotFound(f"job {jid!r} does not exist")
        return found

    def list_jobs(self, *, limit: int | None = 100) -> list[Job]:
        """Jobs, most recently updated first (ties: by id, descending).

        :param limit: at most this many (``None``: all).
        :raises InvalidInput: ``limit`` below 1.
        """
        n = _validate.limit(limit)
        with self._db.use() as tx:
            return jobs.jobs(tx, n)

    def delete_job(self, job_id: str) -> None:
        """Delete the job ``job_id``.

        :raises NotFound: there is no such job (as :meth:`delete_thread` does for a thread).
        :raises InvalidInput: ``job_id`` is not a non-empty string.
        """
        jid = _validate.name(job_id, "job_id")
        with self._db.write() as tx:
            jobs.delete_job(tx, jid)

    # -- tools --

    def set_tools(self, thread_id: str, tools: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Replace the thread's tool definitions with ``tools``, in one transaction; return
        them as :meth:`get_tools` will.

        Each definition is a dict kept exactly as given (extra keys such as ``"type"`` or
        ``"strict"`` included), so both common shapes work: Anthropic's ``{"name",
        "description", "input_schema"}`` and OpenAI's function tool ``{"type": "function",
        "name", "description", "parameters"}``. Checked: ``name`` is a non-empty string,
        unique in the list; ``description``, if present, a string or ``None`` (given back as
        ``None``: the Agents SDK's dynamic-tool record has it optional); the input schema, if
        present, a dict (a JSON object) under ``input_schema`` or ``parameters`` (not both);
        the whole definition a JSON value that round-trips exactly. The thread's
        ``updated_at`` is left alone: tools are not part of the conversation. ``[]`` clears
        the list.

        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``tools`` is not a list of dicts, or a definition is malformed
            (the message names its index, as in ``tools[2].name``); nothing is written.

        >>> _ = store.create_thread(thread_id="support")
        >>> weather = {"name": "get_weather", "description": "Current weather",
        ...            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}
        >>> _ = store.set_tools("support", [weather])
        >>> store.get_tools("support") == [weather]
        True
        """
        tid = _validate.thread_id(thread_id)
        checked = _tools(tools, self._max_size)
        with self._db.write() as tx:
            jobs.set_tools(tx, tid, [(tool.name, tool.definition) for tool in checked])
        return [tool.value for tool in checked]

    def get_tools(self, thread_id: str) -> list[dict[str, Any]]:
        """The thread's tool definitions, in the order :meth:`set_tools` was given them
        (``[]`` if none were set): new dicts, equal to the ones given.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        with self._db.snapshot() as tx:
            definitions = jobs.tool_definitions(tx, tid)
        return [_json.loads(definition) for definition in definitions]


def _progress(value: Any) -> float | None:
    """``None`` or a percentage from 0 to 100 as a float; bools and NaN are refused."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(
            f"progress must be a number from 0 to 100 or None, not {type(value).__name__} {_short(value)}"
        )
    if not 0 <= value <= 100:  # False for NaN too
        raise InvalidInput(f"progress must be a number from 0 to 100, not {_short(value)}")
    return float(value)


class _Tool(NamedTuple):
    """A checked tool definition."""

    name: str
    definition: str
    """The definition as JSON text."""
    value: dict[str, Any]
    """The definition as it will read back."""


def _tools(value: Any, limit: int) -> list[_Tool]:
    """The definitions of ``set_tools``, checked; errors name the index (``tools[2].name``)."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInput(f"tools must be a list of dicts, not {type(value).__name__}")
    checked: list[_Tool] = []
    seen: dict[str, int] = {}
    for index, tool in enumerate(value):
        where = f"tools[{index}]"
        if not isinstance(tool, Mapping):
            raise InvalidInput(f"{where} must be a dict, not {type(tool).__name__}")
        if "name" not in tool:
            raise InvalidInput(f"{where} has no 'name'")
        name = _validate.name(tool["name"], f"{where}.name")
        if name in seen:
            raise InvalidInput(f"{where}.name {name!r} is also the name of tools[{seen[name]}]")
        seen[name] = index
        if tool.get("description") is not None:  # optional, and None where the SDK leaves it out
            _validate.text(tool["description"], f"{where}.description")
        schemas = [key for key in _SCHEMA_KEYS if key in tool]
        if len(schemas) > 1:
            raise InvalidInput(f"{where} has both 'input_schema' and 'parameters': give the input schema once")
        for key in schemas:
            if not isinstance(tool[key], Mapping):
                raise InvalidInput(f"{where}.{key} must be a dict (a JSON object), not {type(tool[key]).__name__}")
        text, copy = _json.dumps(dict(tool), where)
        _validate.size(text, where, limit, "bytes of JSON")
        checked.append(_Tool(name, text, copy))
    return checked
