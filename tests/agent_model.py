"""A scripted model for the Agents SDK tests: the SDK's Model interface, canned answers, no network.

Rules, on the last input item: a function call output gets ``The sum is N.``; a user message
``add A and B`` gets a call of the ``add`` tool; anything else ``You said: TEXT``. Every
input the model is sent is recorded (a deep copy), so tests can compare it with the session.
Also importable by subprocesses (``from tests.agent_model import ...`` run from the
repository root).
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from agents import Agent, ModelResponse, RunConfig, Runner, Usage, function_tool
from agents.models.interface import Model
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

RUN_CONFIG = RunConfig(tracing_disabled=True)
_ADD = re.compile(r"add (\d+) and (\d+)")


def _text(item: dict[str, Any]) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content or [])


def _message(text: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=f"msg_{uuid.uuid4().hex[:12]}", type="message", role="assistant", status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[])],
    )


class ScriptedModel(Model):
    """Answers by rule and records what it was sent (``inputs``, one list per call)."""

    def __init__(self) -> None:
        self.inputs: list[list[dict[str, Any]]] = []

    async def get_response(
        self, system_instructions, input, model_settings, tools, output_schema, handoffs, tracing, *,
        previous_response_id=None, conversation_id=None, prompt=None,
    ) -> ModelResponse:
        items = [{"role": "user", "content": input}] if isinstance(input, str) else copy.deepcopy(list(input))
        self.inputs.append(items)
        last = items[-1]
        if last.get("type") == "function_call_output":
            output = [_message(f"The sum is {last['output']}.")]
        elif last.get("role") == "user" and (match := _ADD.search(_text(last))):
            a, b = match.groups()
            output = [ResponseFunctionToolCall(
                id=f"fc_{uuid.uuid4().hex[:12]}", call_id=f"call_{uuid.uuid4().hex[:12]}", type="function_call",
                name="add", arguments=f'{{"a": {a}, "b": {b}}}', status="completed",
            )]
        else:
            output = [_message(f"You said: {_text(last)}")]
        return ModelResponse(output=output, usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any):
        raise NotImplementedError("the tests do not stream")


@function_tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def make_agent(model: ScriptedModel) -> Agent:
    return Agent(name="calculator", instructions="Answer briefly; use the add tool for sums.", model=model, tools=[add])


async def run_turn(agent: Agent, session: Any, text: str) -> tuple[Any, list[list[dict[str, Any]]]]:
    """One ``Runner.run``; returns the result and the inputs the model was sent during it."""
    model = agent.model
    first = len(model.inputs)
    result = await Runner.run(agent, text, session=session, run_config=RUN_CONFIG)
    return result, model.inputs[first:]
