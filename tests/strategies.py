"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

# Text SQLite can hold: every code point but lone surrogates, with NUL, RTL marks and
# combining characters included on purpose.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    max_size=40,
) | st.sampled_from(["", "\x00", "a\x00b", "\u202e\u05e9\u05dc\u05d5\u05dd", "e\u0301", "%_\\'\""])

roles = st.sampled_from(["user", "assistant", "system", "tool"]) | texts.filter(lambda s: s.strip())

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)

json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
