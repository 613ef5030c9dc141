"""Guards: what keeps ordinary text from being "corrected".

Owns the jieba dictionary checks (is a span one or more real words, does it cut a word, does
the corrected text segment better), local evidence for a term (a version after a model name,
a context word nearby), the glossary's ``never`` spans, the language a span sits in, and the
function characters and degree adverbs that mark ordinary text. jieba is imported on first use.
"""

from __future__ import annotations

import math

from audio2digest.text.chinese_words import jieba_module
from audio2digest.text.correct.latin import VERSION_AFTER_RE, is_cjk_form
from audio2digest.text.correct.options import CorrectOptions
from audio2digest.text.glossary import Term
from audio2digest.text.language import CJK_RE, is_cjk_language

# Characters so frequent in running text that a "mangled" span containing one that the
# term does not have is almost always just ordinary text.
FUNCTION_CHARS = set(
    "的了是在和与及或一个不有这那我你他她它们也就都而着把被让给对从向到为以等之其所又很还再吗呢吧啊"
)
#: An adverb before an adjective (太魔性了), not the first syllable of a term (held3).
DEGREE_ADVERBS = set("太最挺更很")


def word_freq(w: str) -> int:
    """jieba's dictionary frequency of ``w`` (0 when it is not a word)."""
    return jieba_module().dt.FREQ.get(w, 0) or 0


def detect_language(text: str) -> str:
    """ "zh" when :func:`~audio2digest.text.language.is_cjk_language` guesses CJK, else "en"."""
    return "zh" if is_cjk_language(None, text) else "en"


def local_language(text: str, s: int, e: int, window: int) -> str:
    """ "en" when the ``window`` characters around [s, e) (same line) hold no Chinese, else "zh"."""
    lo = max(0, s - window, text.rfind("\n", 0, s) + 1)
    hi = text.find("\n", e)
    hi = min(len(text), e + window) if hi < 0 else min(hi, e + window)
    return "zh" if CJK_RE.search(text, lo, hi) else "en"


def span_kind(run: str, tokens: tuple[str, ...], a: int, b: int, common_freq: int) -> tuple[str, bool]:
    """How a span [a, b) of ``run`` relates to jieba's words.

    Returns (kind, crosses): kind is "oov" (only single characters / rare words),
    "word" (one common word), "words" (only common words) or "mixed"; crosses is true when
    the span cuts a common multi-character word in two.
    """
    pos = 0
    inside_common = 0
    inside_other = 0
    crosses = False
    for tok in tokens:
        s, e = pos, pos + len(tok)
        pos = e
        if e <= a or s >= b:
            continue
        common = len(tok) > 1 and word_freq(tok) >= common_freq
        if s < a or e > b:
            if len(tok) > 1:
                crosses = True
            continue
        if common:
            inside_common += 1
        else:
            inside_other += 1
    if inside_common and not inside_other:
        return ("word" if inside_common == 1 else "words"), crosses
    if inside_common:
        return "mixed", crosses
    return "oov", crosses


def has_evidence(
    term: Term,
    text: str,
    start: int,
    end: int,
    context: str,
    ctx_off: int,
    window: int,
    version_chars: int = 4,
):
    """Local evidence that ``term`` was meant at [start, end) of ``text``:
    "version" (a version number within ``version_chars`` after a model/product), "context"
    (a context word or another form of the term within ``window`` characters) or False."""
    after = text[end : end + version_chars]
    if term.category in ("model", "product") and VERSION_AFTER_RE.match(after):
        return "version"
    words = (
        tuple(term.context)
        + tuple(f for f in term.forms if f != term.term)
        + tuple(a for a in term.aliases if not is_cjk_form(a))
    )
    if not words:
        return False
    s, e = start + ctx_off, end + ctx_off
    for w in words:
        wf = w.casefold()
        # the word must lie within ``window`` characters of the span (wholly inside the reach)
        left = context[max(0, s - window - len(w)) : s].casefold()
        right = context[e : e + window + len(w)].casefold()
        if wf in left or wf in right:
            return "context"
    return False


def _seg_logprob(s: str, extra: str, opts: CorrectOptions) -> tuple[float, bool]:
    """Best unigram segmentation log-probability of ``s`` under jieba's dictionary plus the
    word ``extra``; and whether that best segmentation uses ``extra`` as one token."""
    freq = jieba_module().dt.FREQ
    logtotal = math.log(jieba_module().dt.total)
    extra_lp = math.log(opts.lm_term_freq) - logtotal
    n = len(s)
    best: list[tuple[float, bool]] = [(0.0, False)] + [(-1e18, False)] * n
    for i in range(1, n + 1):
        for j in range(max(0, i - opts.lm_max_word_len), i):
            w = s[j:i]
            if w == extra:
                lp = extra_lp
            else:
                f = freq.get(w) or 0
                if f <= 0:
                    if i - j > 1:
                        continue
                    f = 1
                lp = math.log(f) - logtotal
            cand = best[j][0] + lp
            if cand > best[i][0]:
                best[i] = (cand, best[j][1] or w == extra)
    return best[n]


def reads_better(run: str, a: int, b: int, target: str, opts: CorrectOptions) -> bool:
    """True when ``run`` with [a, b) replaced by ``target`` segments (under jieba's unigram
    model, the term counted as a word) better by ``opts.lm_margin`` nats."""
    lo, hi = max(0, a - opts.lm_context_chars), min(len(run), b + opts.lm_context_chars)
    orig = run[lo:hi]
    new = run[lo:a] + target + run[b:hi]
    lp_new, uses = _seg_logprob(new, target, opts)
    if not uses:
        return False
    lp_orig, _ = _seg_logprob(orig, target, opts)
    return lp_new > lp_orig + opts.lm_margin


def words_in(run: str, tokens: tuple[str, ...], a: int, b: int) -> list[str]:
    """jieba tokens of ``run`` that lie inside [a, b)."""
    out = []
    pos = 0
    for tok in tokens:
        if pos >= a and pos + len(tok) <= b:
            out.append(tok)
        pos += len(tok)
    return out


def blocked_by_never(text: str, s: int, e: int, never: tuple[str, ...]) -> bool:
    """True when one of the ``never`` spans occurs in ``text`` overlapping [s, e)."""
    for w in never:
        if not w:
            continue
        lo = max(0, s - len(w) + 1)
        i = text.find(w, lo)
        while i != -1 and i < e:
            if i + len(w) > s:
                return True
            i = text.find(w, i + 1)
    return False
