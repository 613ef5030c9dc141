"""Entity mentions found without a glossary: Latin-script names in English text."""

from __future__ import annotations

import pytest

from audio2digest.text.digest import enrich_item
from audio2digest.text.entities import find_entities
from audio2digest.types import Item

ITEM = (
    "Redis shipped version 8 this week. Furthermore, Kubernetes 1.35 is out. However the Comet "
    "browser is now free. Moreover Google said so. Meanwhile Genie 3 makes worlds. Additionally, "
    "there is more. Overall, a big week. Finally, thanks for listening."
)


def names(text: str) -> list[str]:
    return [e.term for e in find_entities(text)]


def test_sentence_initial_common_words_are_no_names():
    got = names(ITEM)
    assert got == ["Redis", "Kubernetes 1.35", "Comet", "Google", "Genie 3"]


@pytest.mark.parametrize(
    "word", ["Furthermore", "However", "Moreover", "Additionally", "Overall", "Instead", "Supports"]
)
def test_a_common_word_opening_a_sentence_or_line_is_dropped(word):
    assert names(f"{word}, the release is late.") == []
    assert names(f"It shipped. “{word} it is late.”\n{word} there is more.") == []
    # it was the first word of a run of capitalised words: the rest is still the name
    assert names(f"{word} Kubernetes shipped.") == ["Kubernetes"]


def test_real_names_opening_a_sentence_are_kept():
    text = "Comet is a browser. Genie makes worlds. Redis is fast. Kubernetes is slow. Go 1.22 is out."
    assert names(text) == ["Comet", "Genie", "Redis", "Kubernetes", "Go 1.22"]


def test_a_common_word_capitalised_inside_a_sentence_may_be_a_name():
    # "Overall" is capitalised where no sentence starts: the text uses it as a name
    assert names("Overall is a new app. We tried Overall for a week.") == ["Overall"]


def test_english_item_entities_leave_out_sentence_openers():
    item = enrich_item(Item(0, "news", "", "", ITEM, 0.0, 10.0), language="en")
    assert [e.term for e in item.entities] == ["Redis", "Kubernetes 1.35", "Comet", "Google", "Genie 3"]


def test_a_name_that_starts_with_a_common_word_keeps_it():
    from audio2digest.text.entities import find_entities

    for text, name in [
        ("New York passed a law on AI.", "New York"),
        ("Will Smith made an AI film.", "Will Smith"),
        ("Best Buy cut prices.", "Best Buy"),
        ("Check Point found a bug.", "Check Point"),
    ]:
        assert name in [e.term for e in find_entities(text, None)], text
    assert [e.term for e in find_entities("Moreover Google shipped it.", None)] == ["Google"]
