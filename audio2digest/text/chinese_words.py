"""jieba, loaded once and quietly, and the word questions several stages ask of it."""

from __future__ import annotations

import functools
import logging
import re

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


#: Postpositions that close a place frame opened by 在/从 ("在 Hugging Face | 上开源"), when
#: they stand as a word of their own (上周, 上海, 中国 are words: no frame closes there).
LOCATIVES = frozenset("上中里内")
FRAME_OPENERS = frozenset("在从")
#: Characters of the clause before a cut searched for the frame's opener (a place name is
#: rarely longer; the clause ends at punctuation).
FRAME_REACH = 12
CLAUSE_MARKS = frozenset("，。！？；、：,.!?;:")
LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .\-]*")


def _han_prefix(text: str) -> str:
    """The Han characters ``text`` opens with (at most ``JUNCTION_CONTEXT``)."""
    han = ""
    for ch in text[:JUNCTION_CONTEXT]:
        if not is_han(ch):
            break
        han += ch
    return han


@functools.lru_cache(maxsize=4096)
def pos_tags(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's part-of-speech tags of ``text``, ``(word, flag)`` (dictionary only, no HMM)."""
    jieba_module()
    import jieba.posseg

    return tuple((w.word, w.flag) for w in jieba.posseg.lcut(text, HMM=False))


def closes_a_frame(before: str, after: str) -> bool:
    """Whether ``after`` opens with a locative postposition that closes a 在/从 frame of the
    clause ``before`` it ("模型权重将在 Hugging Face" | "上开源", a 0.5-s pause after the
    name in the bundled sample: the item was cut in two there). The frame is open when the
    clause's last 在/从 is a preposition (jieba: ``p``; not 现在, 正在) with no verb after it
    ("在今年年底推出" | "中美贸易…" closed its frame) and at most ``FRAME_REACH`` characters
    before the cut (a Latin name counting as one)."""
    right = after.lstrip()
    if right[:1] not in LOCATIVES:
        return False
    if next(iter(jieba_tokens(_han_prefix(right))), "") != right[0]:
        return False
    clause = before.rstrip()
    cut = max((clause.rfind(m) for m in CLAUSE_MARKS), default=-1)
    tags = pos_tags(clause[cut + 1 :])
    opener = max((k for k, (w, f) in enumerate(tags) if w in FRAME_OPENERS and f == "p"), default=None)
    if opener is None or any(f.startswith("v") for _, f in tags[opener + 1 :]):
        return False
    rest = "".join(w for w, _ in tags[opener:])
    return len(LATIN_RUN.sub("A", rest)) <= FRAME_REACH


#: Particles that never open a sentence after a Latin word ("DeepSeek" | "的新论文"); the
#: interjections of BOUND_START (啊, 呀, 吧 …) and 过 (过两天) may.
BOUND_AFTER_LATIN = frozenset("的了着们")


def bound_to_next(before: str, after: str) -> bool:
    """Whether ``after`` continues the sentence of ``before`` by grammar alone: it closes a
    place frame (:func:`closes_a_frame`) or is a particle after a Latin word ("DeepSeek" |
    "的新论文"). Used where two recogniser segments meet, which jieba's word check is not."""
    if closes_a_frame(before, after):
        return True
    left, right = before.rstrip()[-1:], after.lstrip()
    if not (is_han(right[:1]) and left.isascii() and left.isalnum()):
        return False
    return next(iter(jieba_tokens(_han_prefix(right))), "") in BOUND_AFTER_LATIN


def splits_a_word(before: str, after: str) -> bool:
    """Whether cutting Chinese text between ``before`` and ``after`` splits a word: jieba's
    dictionary segmentation (no HMM guesses) of the characters around the cut joins across it
    ("…火任推" | "出 Sora" cuts 推出), ``after`` begins with a bound particle (了, 的, 吗 …),
    or :func:`bound_to_next` says so. Otherwise False where either side of the cut is not a
    Han character."""
    if bound_to_next(before, after):
        return True
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
