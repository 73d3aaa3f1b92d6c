"""Thread shapes shared by tests/test_draw.py and benchmarks/draw.py, so that the figures the
README quotes and the structure the tests assert come from the same trees."""

from __future__ import annotations

import itertools
import random

import threadtree

SENTENCES = [
    "Where should I go in May?",
    "Lisbon is lovely in spring, with mild weather and few crowds.",
    "What about the budget? I have about $1,500 for flights and $hotels.",
    "Here is a plan:\n1. Fly in on Friday\n2. Take tram 28",
    "ok",
    "https://example.com/a-very-long-url-without-a-single-space-to-break-it-at",
    "Let me check the train times between Porto and Lisbon for you.",
]


def build_realistic(store: threadtree.Store, thread_id: str, *, entries: int = 300, branches: int = 20,
                    seed: int = 0) -> None:
    """A realistic branching chat: ``entries`` entries in a main line and ``branches`` branches.

    The entries are cut at ``branches`` random points into the main line and the branches, so
    lengths vary as they do in real use (a retry that went nowhere, an edit the user then
    followed for an hour). Each branch forks from a random entry that is not a branch tip, of
    the main line or of any earlier branch, at any depth: every branch adds one tip, and the
    live path ends on the last branch. (Branches that all stay short, as in test_draw.py's
    build_branching with seed 7, make a far narrower tree.)
    """
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(2, entries), branches))
    sizes = [end - start for start, end in itertools.pairwise([0, *cuts, entries])]
    roles = itertools.cycle(["user", "assistant"])

    def chat(count: int) -> list[dict]:
        return [{"role": next(roles), "content": rng.choice(SENTENCES)} for _ in range(count)]

    inner = [entry.id for entry in store.extend(thread_id, chat(sizes[0]))[:-1]]
    for size in sizes[1:]:
        branch = store.extend(thread_id, chat(size), parent_id=rng.choice(inner))
        inner += [entry.id for entry in branch[:-1]]
