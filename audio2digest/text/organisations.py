"""Which organisation a product or model belongs to, from the glossary in use.

The glossary ties names together: an ``org`` entry's own forms (DeepSeek for 深度求索) and its
``context`` words (Kimi for 月之暗面, Sora for OpenAI). A product belongs to an org when its name
starts with one of those names. The digest records the result on each product entity
(``Entity.org``), so a renderer needs no glossary of its own and shows the user's glossary,
not the bundled one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from audio2digest.types import Entity

#: Entity categories that name a product or a model (the glossary's "concept" entries,
#: 大模型 or MoE, are generic and get no organisation).
PRODUCT_CATEGORIES = ("model", "product")

#: A tie word shorter than this would claim every product starting with that letter.
MIN_TIE_LENGTH = 2


def organisation_names(glossary: Any) -> dict[str, tuple[str, ...]]:
    """org term → the names the glossary ties to it (its forms, then its context words).

    ``glossary`` is a :class:`audio2digest.text.glossary.Glossary` or anything with ``terms``
    of that shape; without one there are no ties.
    """
    out: dict[str, tuple[str, ...]] = {}
    for t in getattr(glossary, "terms", ()) or ():
        if getattr(t, "category", "") != "org":
            continue
        forms = tuple(getattr(t, "forms", (t.term,)))
        out[t.term] = forms + tuple(getattr(t, "context", ()))
    return out


def organisation_of(product: str, item_orgs: Iterable[str], names: Mapping[str, Sequence[str]]) -> str:
    """The organisation behind ``product``: an org the item names that is tied to it, else
    any org tied to it; "" when nothing ties them (no guess from proximity)."""
    low = product.casefold()

    def tied(org: str) -> bool:
        return any(low.startswith(n.casefold()) for n in names.get(org, ()) if len(n) >= MIN_TIE_LENGTH)

    for org in dict.fromkeys(item_orgs):
        if tied(org):
            return org
    for org in names:
        if tied(org):
            return org
    return ""


def with_organisations(entities: Sequence[Entity], glossary: Any) -> tuple[Entity, ...]:
    """``entities`` with ``org`` filled in on products and models the glossary ties to one
    (an ``org`` already set, e.g. by an editor in digest.json, is kept)."""
    names = organisation_names(glossary)
    if not names:
        return tuple(entities)
    item_orgs = [e.term for e in entities if e.category == "org"]
    return tuple(
        replace(e, org=organisation_of(e.term, item_orgs, names))
        if e.category in PRODUCT_CATEGORIES and not e.org
        else e
        for e in entities
    )
