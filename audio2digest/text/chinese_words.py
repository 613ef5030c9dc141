"""jieba, loaded once and quietly, and the word questions several stages ask of it."""

from __future__ import annotations

import functools
import logging

from audio2digest.files import cache_dir

logger = logging.getLogger("audio2digest.text.chinese_words")


@functools.lru_cache(maxsize=1)
def jieba_module():
    """The jieba module with its dictionary loaded and its start-up log silenced. Its prefix
    dictionary cache lives in the user's cache directory, not a /tmp file shared by every user
    (another user's /tmp/jieba.cache, mode 600, cannot be read and is rebuilt every run)."""
    import jieba

    jieba.setLogLevel(logging.WARNING + 10)
    where = cache_dir() / "jieba"
    try:
        where.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(where)
    except OSError as exc:  # an unwritable cache: jieba's own default (the temp directory)
        logger.debug("jieba cache %s not usable (%s); using the temp directory", where, exc)
    jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=4096)
def jieba_tokens(run: str) -> tuple[str, ...]:
    """jieba's words of a run of Han characters (dictionary only, no HMM)."""
    return tuple(jieba_module().lcut(run, HMM=False))


def is_han(ch: str) -> bool:
    return bool(ch) and "\u3400" <= ch <= "\u9fff"


#: Characters of context on each side of a junction that jieba looks at.
JUNCTION_CONTEXT = 3


def splits_a_word(before: str, after: str) -> bool:
    """Whether the junction of ``before`` and ``after`` falls inside a dictionary word of
    two or more Han characters ("…火任推" | "出 Sora" cuts 推出)."""
    left, right = before.rstrip()[-JUNCTION_CONTEXT:], after.lstrip()[:JUNCTION_CONTEXT]
    if not (is_han(left[-1:]) and is_han(right[:1])):
        return False
    pos = 0
    for tok in jieba_tokens(left + right):
        end = pos + len(tok)
        if pos < len(left) < end and len(tok) >= 2:
            return True
        pos = end
    return False
