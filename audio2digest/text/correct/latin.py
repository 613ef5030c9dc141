"""Latin keys: how Latin/alphanumeric spans are cut, keyed and compared.

Owns the case- and separator-insensitive key (``GLM-4.7-Flash`` → ``glm47flash``), the
doubled-letter squeeze (Metta ~ Meta), the consonant skeleton of versioned names
(Clawed Summit 4.5 ~ Claude Sonnet 4.5), digit groups, and the runs of Latin tokens in a text.
"""

from __future__ import annotations

import re

from audio2digest.text.language import has_cjk

#: A Latin token; a possessive 's splits off (it is never part of a name).
LATIN_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:(?:\.|['’](?![sS]\b))[A-Za-z0-9]+)*\+*")
_LATIN_JOIN_RE = re.compile(r"[ \t\-_]{0,2}")
_KEY_STRIP_RE = re.compile(r"[^0-9a-z]+")
_DIGITS_RE = re.compile(r"\d+")
_DOUBLE_RE = re.compile(r"([a-z])\1+")
#: A version right after a name: "3", "v2", "R1" (evidence for a model or product).
VERSION_AFTER_RE = re.compile(r"\s?(?:[vV]?\d|[A-Za-z]{1,2}\d)")

_SKELETON_MAP = str.maketrans(
    {
        "c": "k",
        "q": "k",
        "g": "k",
        "z": "s",
        "m": "n",
        "d": "t",
        "p": "b",
        "v": "f",
        "r": "l",
        "a": None,
        "e": None,
        "i": None,
        "o": None,
        "u": None,
        "y": None,
        "w": None,
        "h": None,
    }
)


def latin_key(s: str) -> str:
    """Case- and separator-insensitive key: ``GLM-4.7-Flash`` → ``glm47flash``."""
    return _KEY_STRIP_RE.sub("", s.casefold())


def squeeze(key: str) -> str:
    """A key with doubled letters collapsed (``metta`` → ``meta``)."""
    return _DOUBLE_RE.sub(r"\1", key)


def skeleton(tokens) -> str:
    """Consonant skeleton of a name, token by token, digits kept: Claude Sonnet 4.5 and
    Clawed Summit 4.5 both give "klt snt 45"."""
    out = []
    for t in tokens:
        t = t.lower().replace("ph", "f").replace("ck", "k").replace("x", "ks")
        head, rest = t[:1], t[1:]
        sk = (head if head in "aeiou" else head.translate(_SKELETON_MAP)) + rest.translate(_SKELETON_MAP)
        sk = re.sub(r"([a-z])\1+", r"\1", sk)
        out.append(sk)
    return " ".join(out)


def digit_groups(s: str) -> tuple[str, ...]:
    return tuple(_DIGITS_RE.findall(s))


def is_cjk_form(s: str) -> bool:
    """A glossary form (or span) written with Han characters."""
    return has_cjk(s)


def is_plain_word(s: str) -> bool:
    """A capitalised or lower-case ordinary word (``Comet``, ``llama``): no digits, no inner caps."""
    return s.isalpha() and s[1:].islower()


def latin_tokens(s: str) -> list[str]:
    return LATIN_TOKEN_RE.findall(s)


def mid_sentence(text: str, s: int) -> bool:
    """True when a word precedes position ``s`` in the same sentence (a capital there marks a name)."""
    i = s - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and (text[i].isalnum() or text[i] in ",;:")


def latin_runs(text: str) -> list[list[tuple[int, int]]]:
    """Runs of Latin tokens separated only by spaces / hyphens / underscores."""
    runs: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    for m in LATIN_TOKEN_RE.finditer(text):
        if m.group() in ("s", "S") and m.start() > 0 and text[m.start() - 1] in "'’":
            if cur:  # a possessive 's ends the name before it and belongs to nothing
                runs.append(cur)
                cur = []
            continue
        if cur and not _LATIN_JOIN_RE.fullmatch(text[cur[-1][1] : m.start()]):
            runs.append(cur)
            cur = []
        cur.append((m.start(), m.end()))
    if cur:
        runs.append(cur)
    return runs
