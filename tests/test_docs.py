"""Every relative link and #anchor in README.md, README.ru.md and docs/ leads
somewhere: the file exists, and the heading the anchor names is in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import PROJECT_ROOT

PAGES = sorted(
    [PROJECT_ROOT / "README.md", PROJECT_ROOT / "README.ru.md"]
    + list((PROJECT_ROOT / "docs").glob("*.md"))
)
# [text](target) and <img src="target">, outside code.
LINK = re.compile(r"\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")
FENCE = re.compile(r"```.*?```", re.DOTALL)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown page."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    found = set()
    for heading in re.findall(r"(?m)^#{1,6} (.+)$", text):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code
    return [a or b for a, b in LINK.findall(text)]


def test_anchors_follow_githubs_rules():
    page = PROJECT_ROOT / "docs" / "modeling.md"
    assert "how-a-saved-model-loads" in anchors(page)
    assert "task-1-the-classifier-modeling" in anchors(page)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_and_anchor_resolves(page):
    checked = 0
    for target in links(page):
        if re.match(r"[a-z]+:", target):  # https:, mailto: ...
            continue
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        assert destination.exists(), f"{page.name}: {target} does not exist"
        if anchor:
            assert anchor in anchors(destination), (
                f"{page.name}: no #{anchor} in {path or page.name}"
            )
        checked += 1
    assert checked > 0


def test_the_front_page_is_short_and_links_every_docs_page():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) <= 12_000
    for page in (PROJECT_ROOT / "docs").glob("*.md"):
        assert f"(docs/{page.name})" in readme, page.name
        assert f"(docs/{page.name})" in (PROJECT_ROOT / "README.ru.md").read_text(
            encoding="utf-8"
        ), page.name
