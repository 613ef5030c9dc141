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


#: Characters of context on each side of a junction that jieba looks at (longer words are rare).
JUNCTION_CONTEXT = 6

#: Characters that begin no sentence: particles bound to the word before them. A pause
#: before one (推出了 | 的) is a speaker's hesitation, not a sentence's start.
BOUND_START = frozenset("的了着过们吗呢吧啊嘛呀么")


def splits_a_word(before: str, after: str) -> bool:
    """Whether cutting Chinese text between ``before`` and ``after`` splits a word: jieba's
    dictionary segmentation (no HMM guesses) of the characters around the cut joins across it
    ("…火任推" | "出 Sora" cuts 推出), or ``after`` begins with a bound particle (了, 的, 吗 …).
    False where either side of the cut is not a Han character."""
    left, right = before.rstrip()[-JUNCTION_CONTEXT:], after.lstrip()[:JUNCTION_CONTEXT]
    if not (is_han(left[-1:]) and is_han(right[:1])):
        return False
    pos = 0
    for tok in jieba_tokens(left + right):
        end = pos + len(tok)
        if pos < len(left) < end:
            return True
        pos = end
        if pos >= len(left):
            break
    first = next(iter(jieba_tokens(right)), "")
    return first in BOUND_START
