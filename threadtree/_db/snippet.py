"""Snippets of search hits made here, for an engine whose query leaves them out (PostgreSQL):
the passage of an entry's text that shows the most of the query, each match marked.

Why not the server's ts_headline: it parses the text again with the search configuration, which
has no accent folding (PostgreSQL's index folds the text before parsing it, see migration 0005),
so a hit found by ``cafe`` in ``Café`` would come back with nothing marked. Here the words are
found by the same rules as the index (letters and digits, combining accents U+0300-U+036F
dropped, case ignored), on the hits only (at most ``limit`` of them). The shape is FTS5's
``snippet(..., 16)`` on SQLite: about 16 words around the best match, ``…`` where the text is
cut, each match (a whole phrase at once) between ``\\x02`` and ``\\x03``, which
``navigation._marked`` turns into the visible marks.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

__all__ = ["make"]

WORDS = 16  # tokens a snippet shows, as FTS5's snippet(..., 16)
_TOKEN = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")
_MARKS = re.compile(r"[\u0300-\u036f]+")
_OPEN, _CLOSE, _CUT = "\x02", "\x03", "…"
_CANDIDATES = 200  # windows tried, one centred on each of the first matches: a text of
# thousands of matches costs no more than one of a few hundred


def _fold(word: str) -> str:
    return word.lower() if word.isascii() else _MARKS.sub("", unicodedata.normalize("NFD", word)).lower()


def make(text: str, phrases: list[str]) -> str:
    """The snippet of ``text`` for ``phrases`` (the words and phrases of the query)."""
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    folded: dict[str, str] = {}  # a long text repeats its words: each is folded once
    words = [folded.get(w) or folded.setdefault(w, _fold(w)) for w in (text[start:end] for start, end in spans)]
    wanted = [w for w in ([_fold(m.group()) for m in _TOKEN.finditer(p)] for p in phrases) if w]
    # (first token, token after the last, which phrase) of every place a phrase is found: only
    # where a phrase's first word is (one pass over the words, not one a phrase and position)
    starting: dict[str, list[int]] = {}
    for k, phrase in enumerate(wanted):
        starting.setdefault(phrase[0], []).append(k)
    found = sorted(
        (i, i + len(wanted[k]), k)
        for i, word in enumerate(words)
        if word in starting
        for k in starting[word]
        if words[i : i + len(wanted[k])] == wanted[k]
    )
    first, stop = _window(len(words), found)
    out = [_CUT] if first > 0 else []
    at = spans[first][0] if first > 0 else 0
    end = spans[stop - 1][1] if stop < len(words) else len(text)
    for i, j, _ in found:
        if first <= i and j <= stop and spans[i][0] >= at:
            out += [text[at : spans[i][0]], _OPEN, text[spans[i][0] : spans[j - 1][1]], _CLOSE]
            at = spans[j - 1][1]
    out.append(text[at:end])
    if stop < len(words):
        out.append(_CUT)
    return "".join(out)


def _window(count: int, found: list[tuple[int, int, int]]) -> tuple[int, int]:
    """The tokens [first, stop) to show: the window of WORDS tokens holding the most phrases,
    then the most matches, each candidate centred on one of the first matches; the earliest
    wins a tie."""
    if count <= WORDS or not found:
        return 0, min(count, WORDS)
    starts = [a for a, _, _ in found]
    best, best_score = 0, (-1, -1)
    for i, j, _ in found[:_CANDIDATES]:
        first = min(max(0, i - (WORDS - (j - i)) // 2), count - WORDS)
        near = found[bisect.bisect_left(starts, first) : bisect.bisect_left(starts, first + WORDS)]
        inside = [k for _, b, k in near if b <= first + WORDS]
        score = (len(set(inside)), len(inside))
        if score > best_score:
            best, best_score = first, score
    return best, best + WORDS
