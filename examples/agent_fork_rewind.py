"""An agent with a tool answers; the user forks at an earlier question; both roads are kept.

Runs the OpenAI Agents SDK (``pip install 'threadtree[agents]'``) offline: the model is a
small scripted stand-in for a real one (swap in ``model="gpt-4.1"`` and an API key to go
live). Shows ``ThreadTreeSession`` as the agent's memory, ``fork_at`` before an earlier question,
a second run on the new branch, ``rewind`` and ``redo``, ``branches``, ``switch``, and the
tree as text and as a picture (a PNG: the path given as the first argument, else one in a
temporary folder). Like every example, it writes to a new file in a temporary folder (it
prints where), never to your default database.
"""

import asyncio
import re
import sys
import tempfile
import uuid
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to a file, no window

from agents import Agent, ModelResponse, RunConfig, Runner, Usage, function_tool  # noqa: E402
from agents.models.interface import Model  # noqa: E402
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText  # noqa: E402

import threadtree  # noqa: E402
from threadtree.agents import ThreadTreeSession  # noqa: E402


@function_tool
def add(a: int, b: int) -> int:
    """Add two amounts of euros."""
    return a + b


class ScriptedModel(Model):
    """Stands in for a real model: sums go to the tool, anything else gets a canned answer."""

    async def get_response(self, system_instructions, input, model_settings, tools, output_schema, handoffs,
                           tracing, *, previous_response_id=None, conversation_id=None, prompt=None):
        last = input[-1] if isinstance(input, list) else {"role": "user", "content": input}
        numbers = re.findall(r"\d+", str(last.get("content", "")))
        if last.get("type") == "function_call_output":
            output = [self._say(f"That makes {last['output']} euros in all.")]
        elif last.get("role") == "user" and len(numbers) >= 2:
            output = [ResponseFunctionToolCall(
                type="function_call", id=f"fc_{uuid.uuid4().hex[:8]}", call_id=f"call_{uuid.uuid4().hex[:8]}",
                name="add", arguments=f'{{"a": {numbers[0]}, "b": {numbers[1]}}}', status="completed",
            )]
        elif " or " in str(last.get("content", "")):
            output = [self._say("Lisbon: more to see per euro, and Sintra is a day trip away.")]
        else:
            output = [self._say("Happy to help. What is your budget?")]
        return ModelResponse(output=output, usage=Usage(), response_id=None)

    def stream_response(self, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def _say(text):
        return ResponseOutputMessage(type="message", id=f"msg_{uuid.uuid4().hex[:8]}", role="assistant",
                                     status="completed", content=[ResponseOutputText(type="output_text", text=text,
                                                                                     annotations=[])])


async def main(folder: Path, picture: Path) -> None:
    agent = Agent(name="Trip planner", instructions="Plan trips; add amounts with the tool.",
                  model=ScriptedModel(), tools=[add])
    config = RunConfig(tracing_disabled=True)
    path = folder / "agent.db"
    print(f"database: {path}")
    with threadtree.open(path) as store:
        thread_id = f"trip-{uuid.uuid4().hex[:8]}"
        async with ThreadTreeSession(thread_id, store, title="Trip budget") as session:
            async def ask(text):
                result = await Runner.run(agent, text, session=session, run_config=config)
                print(f"> {text}\n  {result.final_output}")

            await ask("Hi! I am planning a week in Portugal.")
            await ask("I have 300 euros for Lisbon and 250 for Porto: how much is that?")
            await ask("Lisbon or Porto?")

            # Ask the budget question again, differently: the live path now ends at the reply
            # before it (item 1, any item will do), and the old road stays as a branch.
            items = await session.get_items()
            print(f"\nforking after item 1 of {len(items)}: {items[1]['content'][0]['text']!r}")
            await session.fork_at(1)
            await ask("I have 400 euros for Lisbon and 250 for Porto: how much is that?")

            await session.rewind(2)  # back before the tool's answer ...
            await session.redo()     # ... and forward again, one item at a time
            await session.redo()

            print("\nbranches:")
            for branch in await session.branches():
                print(f"  {'*' if branch.live else ' '} tip {branch.leaf_id}: {branch.length} items, {branch.preview!r}")
            first = (await session.branches())[0]
            await session.switch(first.leaf_id)  # the first road again; the next run continues it
            print(f"\nswitched to tip {first.leaf_id}: {len(await session.get_items())} items on the live path")

        print("\n" + store.render_tree(thread_id))
        axes = threadtree.draw(store, thread_id)
        axes.figure.savefig(picture, dpi=80)
        print(f"\ndrawn: {picture}")


if __name__ == "__main__":
    folder = Path(tempfile.mkdtemp(prefix="threadtree-example-"))
    asyncio.run(main(folder, Path(sys.argv[1]) if len(sys.argv) > 1 else folder / "agent.png"))
