"""A scripted model for simonw/llm, no network, and the conversations the tests log with it.

Importable (the installed llm, which writes the message store) and runnable as a script
(``python tests/llm_model.py legacy LOGS_DB`` with an older llm, 0.31, first on PYTHONPATH:
the last version that wrote the legacy ``conversations`` / ``responses`` tables). Either way
llm itself writes the file: its migrations make the schema, ``Response.log_to_db`` the rows.

Rules: a prompt asking to "add A and B" with tools gets a call of the ``add`` tool; a prompt
carrying tool results gets "The sum is N."; anything else "You said: PROMPT". Usage: one input
token per word of the prompt, three output tokens.
"""

from __future__ import annotations

import re
import sys

import llm
import sqlite_utils

_ADD = re.compile(r"add (\d+) and (\d+)")


class Scripted(llm.Model):
    model_id = "scripted"
    supports_tools = True
    attachment_types = frozenset({"image/png"})

    def execute(self, prompt, stream, response, conversation):
        words = len((prompt.prompt or "").split())
        if prompt.tool_results:
            yield f"The sum is {prompt.tool_results[0].output}."
        elif prompt.tools and (match := _ADD.search(prompt.prompt or "")):
            response.add_tool_call(llm.ToolCall(name="add", arguments={"a": int(match[1]), "b": int(match[2])}))
        else:
            yield f"You said: {prompt.prompt}"
        response.set_usage(input=words, output=3)


def add(a: int, b: int) -> int:
    "Add two integers."
    return a + b


def logs_db(path: str) -> sqlite_utils.Database:
    """llm's database at ``path``, migrated by llm."""
    from llm.migrations import migrate

    db = sqlite_utils.Database(path)
    migrate(db)
    return db


def log_conversations(path: str) -> None:
    """Two conversations: 'chat' (a system prompt, two turns, a tool chain, a fragment) and
    'other' (one turn)."""
    db = logs_db(path)
    model = Scripted()
    chat = model.conversation()
    for kwargs in (
        {"prompt": "hello there", "system": "be brief"},
        {"prompt": "how are you", "fragments": ["A fragment long enough to be stored by reference."]},
    ):
        response = chat.prompt(**kwargs)
        response.text()
        response.log_to_db(db)
    for response in chat.chain("please add 2 and 3", tools=[add]).responses():
        response.text()
        response.log_to_db(db)
    other = model.conversation()
    response = other.prompt("another one")
    response.text()
    response.log_to_db(db)
    db.close()


def log_one_more(path: str, conversation_id: str, text: str) -> None:
    """One more turn of a logged legacy conversation, as ``llm -c`` does it (llm 0.31)."""
    from llm.cli import load_conversation

    llm_plugins_register()
    conversation = load_conversation(conversation_id, database=path)
    response = conversation.prompt(text)
    response.text()
    response.log_to_db(logs_db(path))


def llm_plugins_register() -> None:
    """Register the scripted model, so that llm finds it by name (load_conversation does)."""
    from llm.plugins import pm

    class Plugin:
        __name__ = "ScriptedPlugin"

        @llm.hookimpl
        def register_models(self, register):
            register(Scripted())

    if not pm.has_plugin("scripted-plugin"):
        pm.register(Plugin(), name="scripted-plugin")


if __name__ == "__main__":
    command, target, *rest = sys.argv[1:]
    if command == "legacy":
        log_conversations(target)
    elif command == "more":
        log_one_more(target, *rest)
    else:
        raise SystemExit(f"unknown command {command!r}")
