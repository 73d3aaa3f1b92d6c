"""Best of three: an agent answers one question three times, a judge picks the best answer, and
the conversation goes on from it. Every try stays in the tree, and the run records it all.

Runs the OpenAI Agents SDK (``pip install 'threadtree[agents]'``) offline: the model and the
judge are small scripted stand-ins for real ones (swap in ``model="gpt-4.1"`` and a judging
prompt to go live). Shows ``start_run``, a branch run per candidate, a leaf run per answer
(replayed, not asked again, when the workflow runs a second time), ``decide`` moving the live
leaf to the winner, the conversation continuing there, and the run shown as ``threadtree
runs`` and ``tree`` show it. Like every example, it writes to a new file in a temporary
folder (it prints where), never to your default database.
"""

import asyncio
import hashlib
import tempfile
import uuid
from pathlib import Path

from agents import Agent, ModelResponse, RunConfig, Runner, Usage
from agents.models.interface import Model
from openai.types.responses import ResponseOutputMessage, ResponseOutputText

import threadtree
from threadtree.agents import ThreadTreeSession

ANSWERS = [
    "Portugal is nice.",
    "Lisbon: warm but not hot in May, trams up the hills, and Sintra a train ride away.",
    "Go to Lisbon, Porto, Faro, Madrid, Seville, Rome, Paris and Berlin, all in one week!",
]


class ScriptedModel(Model):
    """Stands in for a real model: a different answer to the question at each try, then a
    follow-up about whichever answer is on the live path."""

    def __init__(self) -> None:
        self.calls = 0

    async def get_response(self, system_instructions, input, model_settings, tools, output_schema, handoffs,
                           tracing, *, previous_response_id=None, conversation_id=None, prompt=None):
        self.calls += 1
        items = input if isinstance(input, list) else [{"role": "user", "content": input}]
        said = [item for item in items if item.get("role") == "assistant"]
        if items[-1].get("content") == "Why there?":
            last = said[-1]["content"][0]["text"]
            text = f"Because of what I said: {last.split(':')[0]} is the one trip I would take."
        else:
            text = ANSWERS[(self.calls - 1) % len(ANSWERS)]
        message = ResponseOutputMessage(type="message", id=f"msg_{uuid.uuid4().hex[:8]}", role="assistant",
                                        status="completed",
                                        content=[ResponseOutputText(type="output_text", text=text, annotations=[])])
        return ModelResponse(output=[message], usage=Usage(), response_id=None)

    def stream_response(self, *args, **kwargs):
        raise NotImplementedError


def judge(text: str) -> dict:
    """A scripted judge: one concrete place, with reasons, in a sentence or two."""
    places = sum(city in text for city in ("Lisbon", "Porto", "Faro", "Madrid", "Seville", "Rome", "Paris"))
    score = round(max(0.0, min(len(text), 120) / 120 - 0.1 * max(places - 1, 0) - (0.2 if places == 0 else 0)), 2)
    passed = places == 1
    why = "names no place" if places == 0 else f"names {places} places" if places > 1 else "one place, with reasons"
    return {"score": score, "passed": passed, "rationale": why}


async def candidates(store, session, agent, config, run_id, question):
    """Answer the question three times, each on its own branch; a try this run finished before
    is replayed from its leaf run instead of asking the model again. Returns the answers' entries."""
    digest = hashlib.sha256(question.content.encode()).hexdigest()[:16]
    found = []
    for k in range(3):
        done = store.finished_leaf_run(run_id, f"answer-{k}", digest)
        if done is not None:
            print(f"  try {k}: replayed entry {done.entry_id}, the model was not asked")
            found.append(store.get_entry(done.entry_id))
            continue
        await session.fork(question.id)  # the live path ends at the question: the answer forks from it
        await Runner.run(agent, [], session=session, run_config=config)
        answer = (await session.path())[-1]
        store.start_branch(run_id, answer.id)
        store.record_leaf_run(run_id, f"answer-{k}", input_hash=digest, entry_id=answer.id, output=answer.content)
        store.finish_branch(run_id, answer.id, "completed")
        print(f"  try {k}: entry {answer.id}: {answer.content}")
        found.append(answer)
    return found


async def main(folder: Path) -> None:
    model = ScriptedModel()
    agent = Agent(name="Trip planner", instructions="Suggest one trip.", model=model)
    config = RunConfig(tracing_disabled=True)
    path = folder / "best_of_three.db"
    print(f"database: {path}")
    with threadtree.open(path) as store:
        thread_id = f"trip-{uuid.uuid4().hex[:8]}"
        async with ThreadTreeSession(thread_id, store, title="Best of three") as session:
            await session.add_items([{"role": "user", "content": "Where should I spend a week in May?"}])
            (question,) = await session.path()
            run = store.start_run(thread_id, "best-of-3", "the best answer to the trip question")

            print("three tries:")
            tries = await candidates(store, session, agent, config, run.run_id, question)
            print("the workflow again (say, after a crash):")
            calls = model.calls
            await candidates(store, session, agent, config, run.run_id, question)
            assert model.calls == calls

            verdicts = [{"entry_id": answer.id, **judge(answer.content)} for answer in tries]
            best = max(verdicts, key=lambda v: (v["passed"], v["score"]))
            decision = store.decide(run.run_id, question.id, verdicts, select=best["entry_id"],
                                    expected_leaf_id=await session.current_leaf_id())
            print(f"\nthe judge picked entry {decision.winner.entry_id} ({decision.winner.rationale}, "
                  f"score {decision.winner.score}); the live path now ends there")

            result = await Runner.run(agent, "Why there?", session=session, run_config=config)
            print(f"> Why there?\n  {result.final_output}")
            store.finish_run(run.run_id, "completed", result={"winner": decision.winner.entry_id})

        print("\n" + store.render_tree(thread_id))
        trace = store.get_run(run.run_id)
        print(f"run {trace.run.run_id}: {trace.run.status}, {len(trace.branches)} branches, "
              f"{len(trace.leaf_runs)} leaf runs, {len(trace.decisions)} decision")
        print(f"(the same from a shell: threadtree --db {path} runs {thread_id})")


if __name__ == "__main__":
    asyncio.run(main(Path(tempfile.mkdtemp(prefix="threadtree-example-"))))
