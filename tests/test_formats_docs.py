"""The format notes the readers cite live in the repository, and every citation finds its section.

The readers, their tests and the import benchmark cite ``docs/formats.md`` by section number
(``docs/formats.md section 2``, ``docs/formats.md 3.4``, ``sections 6 to 11``). A note cited
but not shipped (as the old citations of a file outside the repository were) cannot be read
by anyone who has only the repository or the sdist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "docs" / "formats.md"
CITED_IN = ["threadtree", "tests", "benchmarks", "examples", "README.md"]
# "docs/formats.md section 2", "docs/formats.md 3.4", "docs/formats.md sections 6 to 11"
CITATION = re.compile(r"docs/formats\.md(?:,? sections? | )(\d+(?:\.\d+)?)(?: to (\d+))?")


def sources() -> list[Path]:
    found = []
    for name in CITED_IN:
        place = ROOT / name
        found.extend([place] if place.is_file() else sorted(place.rglob("*.py")))
    return found


def headings() -> set[str]:
    """The section numbers of docs/formats.md: ``2`` for "## 2. ...", ``2.6`` for "### 2.6 ..."."""
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", NOTES.read_text(encoding="utf-8"), re.M))


def test_the_notes_are_in_the_repository():
    assert NOTES.is_file()
    assert {"2", "2.5", "2.6", "3", "3.4", "4", "5", "11"} <= headings()


def test_nothing_cites_the_notes_by_their_old_name_outside_the_repository():
    old = "FORMATS" + ".md"  # spelled apart, so this file does not cite it
    assert [str(p.relative_to(ROOT)) for p in sources() if old in p.read_text(encoding="utf-8")] == []


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_citation_names_a_section_that_exists(path):
    sections = headings()
    for match in CITATION.finditer(path.read_text(encoding="utf-8")):
        first, last = match.group(1), match.group(2)
        wanted = [str(n) for n in range(int(first), int(last) + 1)] if last else [first]
        missing = [s for s in wanted if s not in sections]
        assert not missing, f"{path.name}: {match.group(0)!r} cites sections {missing} that docs/formats.md lacks"


def test_the_citations_are_found_at_all():
    """The pattern is not so strict that the test above checks nothing."""
    count = sum(len(CITATION.findall(p.read_text(encoding="utf-8"))) for p in sources())
    assert count >= 20


def test_the_readme_lists_every_format_that_imports():
    import threadtree.formats

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Importing and exporting", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([\w-]+)` \|", section, re.M))
    assert {m.NAME for m in threadtree.formats.readers()} <= listed
