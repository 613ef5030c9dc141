"""Candidate search: spans of a text that may be a glossary term, with a score and a rule.

Owns the Latin search (exact key, doubled letters, rapidfuzz over length-bounded buckets,
consonant skeletons; rules ``latin-key``, ``latin-fuzzy``, ``latin-sound``, ``alias``), the
exact CJK scan (``alias`` and ``keep``), and the pinyin search over Chinese runs (blocking by
syllable pairs, scoring, gapped windows, then the guards; rules ``pinyin``,
``pinyin-context``, ``pinyin-lm``). A ``keep`` candidate is a span already correct: it blocks
overlapping changes and changes nothing. rapidfuzz is imported on first use.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

from audio2digest.text.chinese_words import jieba_tokens
from audio2digest.text.correct.guards import (
    DEGREE_ADVERBS,
    FUNCTION_CHARS,
    blocked_by_never,
    has_evidence,
    local_language,
    reads_better,
    span_kind,
    word_freq,
    words_in,
)
from audio2digest.text.correct.index import CorrectionIndex, Form
from audio2digest.text.correct.latin import (
    digit_groups,
    is_plain_word,
    latin_key,
    latin_runs,
    latin_tokens,
    mid_sentence,
    skeleton,
    squeeze,
)
from audio2digest.text.correct.phonetics import (
    align_score,
    char_readings,
    fuzzy_key,
    syllable_parts,
)
from audio2digest.text.glossary import Term
from audio2digest.text.language import CJK_CHARS, CJK_RE

_CJK_RUN_RE = re.compile(f"[{CJK_CHARS}]+")


@dataclass
class Candidate:
    """A span [start, end) that would become ``target`` (``term``), scored, by ``rule``."""

    start: int
    end: int
    target: str
    term: Term
    score: float
    rule: str
    keep: bool = False  # an already-correct span: blocks other candidates, changes nothing

    @property
    def length(self) -> int:
        return self.end - self.start


# --------------------------------------------------------------------------- Latin


def _exact_latin(
    text: str, s: int, e: int, toks: list[str], key: str, local: str, exact: list[Form], min_key_len: int
) -> Candidate | None:
    """The candidate for a span whose key equals a form's key (``None``: leave the span)."""
    span = text[s:e]
    if any(f.text == span and not f.alias for f in exact):
        f = next(f for f in exact if f.text == span and not f.alias)
        return Candidate(s, e, span, f.term, 1.0, "keep", keep=True)
    f = sorted(exact, key=lambda f: (f.alias, f.text != f.target))[0]
    if span == f.target:
        return Candidate(s, e, span, f.term, 1.0, "keep", keep=True)
    # "comet" / "meta" in lower case are words, not the product "Comet" or the
    # company "Meta"; and a form written in lower case ("attention") does not
    # lower-case a capitalised span, unless it is a versioned model name
    # written in lower case by its vendor (gpt-oss-120b, o4-mini; not a
    # short key: "Figure O3" is not o3).
    if not f.alias and (
        (is_plain_word(f.target) and span.islower())
        or (f.target.islower() and not (any(c.isdigit() for c in f.target) and len(key) >= min_key_len))
    ):
        return Candidate(s, e, span, f.term, 1.0, "keep", keep=True)
    if (
        not any(x.alias for x in exact)
        and len(toks) > 1
        and span.casefold() == f.target.casefold()
        and toks[0].isalpha()
        and toks[0].islower()
    ):
        # "sovereign AI", "physical AI": a phrase of ordinary words, written so;
        # a name starts with a capital ("Grok imagine" -> Grok Imagine). A
        # glossary that lists the spelling as an alias wants it replaced.
        return Candidate(s, e, span, f.term, 1.0, "keep", keep=True)
    if (
        not f.alias
        and local != "zh"
        and len(toks) == 1
        and is_plain_word(span)
        and not is_plain_word(f.target)
    ):
        return None  # English "Sam" is a name, not the acronym SAM
    return Candidate(s, e, f.target, f.term, 1.0, "alias" if f.alias else "latin-key")


def _fuzzy_hits(key: str, digits: tuple[str, ...], idx: CorrectionIndex) -> list[tuple[float, str, Form]]:
    """rapidfuzz hits (ratio 0–100, key, form) among keys of a possible length."""
    from rapidfuzz import fuzz, process

    opts = idx.options
    hits: list[tuple[float, str, Form]] = []
    cutoff = opts.latin_min_with_digits if digits else opts.latin_min
    bucket = idx.latin_fuzzy_first.get((digits, key[0]))
    if bucket:
        # only keys of a length the checks in _fuzzy_ok accept
        lens, keys, forms = bucket
        nk = len(key)
        slack, ratio = opts.latin_len_slack, opts.latin_len_slack_ratio
        lo = bisect.bisect_left(lens, min(nk - slack, int(nk / (1 + ratio))))
        hi = bisect.bisect_right(lens, max(nk + slack, int(nk / (1 - ratio)) + 1))
        sub = keys[lo:hi]
        hits += [
            (score, sub[k], forms[lo + k])
            for _, score, k in process.extract(
                key, sub, scorer=fuzz.ratio, score_cutoff=cutoff * 100, limit=opts.latin_fuzzy_limit
            )
        ]
    bucket = idx.latin_fuzzy_sorted.get(digits)
    if bucket and len(key) >= opts.latin_other_first_min_len and not hits:  # other first letters: last resort
        # a high ratio needs lengths within a factor of each other
        lens, keys, forms = bucket
        r = opts.latin_other_first_len_ratio
        lo = bisect.bisect_left(lens, int(len(key) * r))
        hi = bisect.bisect_right(lens, int(len(key) / r) + 1)
        sub = keys[lo:hi]
        hits += [
            (score, sub[k], forms[lo + k])
            for _, score, k in process.extract(
                key,
                sub,
                scorer=fuzz.ratio,
                score_cutoff=opts.latin_other_first_min_ratio100,
                limit=opts.latin_fuzzy_limit,
            )
            if sub[k][0] != key[0]
        ]
    return hits


def _fuzzy_ok(
    score: float,
    fk: str,
    f: Form,
    key: str,
    toks: list[str],
    local: str,
    text: str,
    s: int,
    idx: CorrectionIndex,
) -> bool:
    """Whether a fuzzy hit may stand for the span (length, first sound, English prose)."""
    opts = idx.options
    # lengths must be close: a long span does not turn into a short name
    if abs(len(fk) - len(key)) > max(opts.latin_len_slack, opts.latin_len_slack_ratio * len(fk)):
        return False
    if fk[0] != key[0] and not (
        len(key) >= opts.latin_other_first_min_len and score >= opts.latin_other_first_min_ratio100
    ):
        return False  # first sound must agree (Groxy~Grok, Clawed~Claude)
    if (fk.startswith(key) or fk.endswith(key)) and len(latin_tokens(f.text)) > len(toks):
        return False  # "Mistral" is a short name of "Mistral AI", not a mangled one
    if (
        local != "zh"
        and len(toks) == 1
        and is_plain_word(toks[0])
        and score < opts.latin_plain_word_min_ratio100
        and not (toks[0][0].isupper() and mid_sentence(text, s))
    ):
        return False  # a single ordinary-looking English word needs a close match
    if (
        local != "zh"
        and len(toks) == 1
        and is_plain_word(toks[0])
        and (key.startswith(fk) or fk.startswith(key))
    ):
        return False  # Operators / Claud: an inflected or shortened word, not a name
    if (
        local != "zh"
        and len(toks) > 1
        and score < opts.latin_lower_phrase_min_ratio100
        and any(t.isalpha() and t.islower() for t in toks)
    ):
        return False  # "Deep mines": English names capitalise every word
    return True


def latin_candidates(text: str, idx: CorrectionIndex, lang: str, cands: list[Candidate]) -> None:
    """Append candidates for every Latin span of 1…``idx.max_latin_tokens`` tokens."""
    opts = idx.options
    memo: dict = {}  # the same names recur in a transcript: query each span key once
    for run in latin_runs(text):
        n = len(run)
        for i in range(n):
            for j in range(i, min(n, i + idx.max_latin_tokens)):
                s, e = run[i][0], run[j][1]
                span = text[s:e]
                key = latin_key(span)
                if len(key) < opts.latin_key_min_len:
                    continue
                digits = digit_groups(span)
                toks = [text[a:b] for a, b in run[i : j + 1]]
                local = lang if lang != "zh" else local_language(text, s, e, opts.local_language_window)
                exact = [f for f in idx.latin_exact.get(key, ()) if digit_groups(f.text) == digits]
                if exact:
                    c = _exact_latin(text, s, e, toks, key, local, exact, opts.latin_min_key_len)
                    if c is not None:
                        cands.append(c)
                    continue
                sq = idx.latin_squeezed.get(squeeze(key))
                if sq and len(key) >= opts.latin_squeeze_min_key_len and not span.islower():
                    f = next((f for f in sq if digit_groups(f.text) == digits), None)
                    if f is not None:
                        # a doubled or dropped double letter: Metta ~ Meta, Lama ~ Llama
                        cands.append(Candidate(s, e, f.target, f.term, opts.latin_squeeze_score, "latin-key"))
                        continue
                if len(key) < opts.latin_min_key_len:
                    continue
                if all(t.isalpha() and t.islower() for t in toks):
                    continue  # ordinary (English) words: names are capitalised
                hits = memo.get((key, digits))
                if hits is None:
                    hits = memo[(key, digits)] = _fuzzy_hits(key, digits, idx)
                found_fuzzy = False
                for score, fk, f in hits:
                    if _fuzzy_ok(score, fk, f, key, toks, local, text, s, idx):
                        cands.append(Candidate(s, e, f.target, f.term, score / 100.0, "latin-fuzzy"))
                        found_fuzzy = True
                if (
                    digits
                    and not found_fuzzy
                    and len(toks) >= 2
                    and not (local != "zh" and toks[0].islower())
                ):
                    # A versioned name heard wrong word by word ("Clawed Summit 4.5"): the same
                    # consonant skeleton and the same version are the evidence.
                    sk = skeleton(toks)
                    if len(sk.rstrip("0123456789")) >= opts.latin_skeleton_min_len:
                        for f in idx.latin_skeletons.get((digits, sk), ()):
                            cands.append(
                                Candidate(s, e, f.target, f.term, opts.latin_sound_score, "latin-sound")
                            )


# --------------------------------------------------------------------------- CJK exact


def exact_cjk_candidates(text: str, idx: CorrectionIndex, cands: list[Candidate]) -> None:
    """Append ``keep`` for correct CJK forms and ``alias`` for listed wrong ones."""
    if not idx.cjk_exact:
        return
    prefixes = idx.cjk_prefixes
    lens = idx.cjk_lens
    for m in CJK_RE.finditer(text):
        i = m.start()
        if text[i : i + 2] not in prefixes:
            continue
        for L in lens:
            sub = text[i : i + L]
            if len(sub) < L:
                continue
            f = idx.cjk_exact.get(sub)
            if f is None:
                continue
            if not f.alias or sub == f.target:
                cands.append(Candidate(i, i + L, sub, f.term, 1.0, "keep", keep=True))
            else:
                cands.append(Candidate(i, i + L, f.target, f.term, 1.0, "alias"))


# --------------------------------------------------------------------------- pinyin


def _blocked_alignments(run: str, fks, fcs, idx: CorrectionIndex, primed: set[int]) -> set[tuple[int, int]]:
    """(form id, start in run) alignments worth scoring, found through the blocking keys."""
    L = len(run)
    found: set[tuple[int, int]] = set()
    hits: dict[tuple[int, int], int] = defaultdict(int)
    sfx_chars = idx.py_chars_sfx
    pairs = idx.py_pairs
    for p in range(L):
        for gap in (1, 2):
            q = p + gap
            if q >= L:
                break
            for fa in fks[p]:
                for fb in fks[q]:
                    for fid, j in pairs.get((fa, fb, gap), ()):
                        hits[(fid, p - j)] += 1
                    if gap == 1:
                        if p + 2 < L:
                            for fc in fcs[p + 2]:
                                for fid, _j in pairs.get((fa, fb, fc), ()):
                                    hits[(fid, p)] += 1
                                for fid, _j in pairs.get((fa, fb, "01", fc), ()):
                                    found.add((fid, p))
                        if p > 0:
                            for fc in fcs[p - 1]:
                                for fid, _j in pairs.get((fa, fb, "12", fc), ()):
                                    found.add((fid, p - 1))
                    else:
                        for fc in fcs[p + 1]:
                            for fid, _j in pairs.get((fa, fb, "02", fc), ()):
                                found.add((fid, p))
        ch = run[p]
        if ch not in FUNCTION_CHARS:
            if p + 1 < L:
                for fc in fcs[p + 1]:
                    for fid in idx.py_chars.get((ch, 0, fc), ()):
                        found.add((fid, p))
            if p > 0:
                for fc in fcs[p - 1]:
                    for fid in idx.py_chars.get((ch, 1, fc), ()):
                        found.add((fid, p - 1))
            if sfx_chars:
                if p + 2 < L:
                    for fc in fcs[p + 1]:
                        for fc2 in fcs[p + 2]:
                            for fid in sfx_chars.get((ch, 0, fc, fc2), ()):
                                found.add((fid, p))
                if 0 < p < L - 1:
                    for fc in fcs[p - 1]:
                        for fc2 in fcs[p + 1]:
                            for fid in sfx_chars.get((ch, 1, fc, fc2), ()):
                                found.add((fid, p - 1))
        if primed:
            for fk in fks[p]:
                for fid, j in idx.py_single.get(fk, ()):
                    if fid in primed:
                        found.add((fid, p - j))
    # Terms of 4+ syllables need two matching syllable pairs (three syllables about
    # right), counted over neighbouring alignments so that one inserted or dropped
    # syllable still qualifies.
    py_core = idx.py_core
    for key, h in hits.items():
        if h >= 2 or py_core[key[0]] <= 3:
            found.add(key)
        else:
            fid, st = key
            if hits.get((fid, st - 1), 0) + h >= 2 or hits.get((fid, st + 1), 0) + h >= 2:
                found.add(key)
    return found


def _best_window(fid: int, st: int, run: str, readings, fks, idx: CorrectionIndex):
    """(score, a, b) of the best window of ``run`` for form ``fid`` aligned at ``st``, or None."""
    L = len(run)
    rsim = idx.reading_sim
    form, py, n, core, floor = idx.py_info[fid]
    inside = st >= 0 and st + n <= L
    if n < 4 and not inside:
        return None
    if core < n:
        # found by its distinctive core: the generic suffix must be there too
        # (思维科技 is no match for 思维链), at least its first syllable
        if not inside or rsim(readings[st + core], py[core]) < idx.options.suffix_first_syllable_min:
            return None
    best = None
    if inside:
        if n == 2:
            sc0 = (rsim(readings[st], py[0]) + rsim(readings[st + 1], py[1])) * 0.5
        elif n == 3:
            sc0 = (
                rsim(readings[st], py[0]) + rsim(readings[st + 1], py[1]) + rsim(readings[st + 2], py[2])
            ) / 3
        else:
            sc0 = sum(rsim(readings[st + k], py[k]) for k in range(n)) / n
        # (a shared generic suffix only lowers the score of the rest: skipping here is safe)
        if sc0 < floor and n < 4:
            return None
        span = run[st : st + n]
        if span != form.target and span not in idx.cjk_correct:
            best = (sc0, st, st + n)
        elif n < 4:
            return None
    # Windows one syllable shorter or longer (a syllable dropped or inserted by the
    # recogniser), only when the same-length window fails but is not hopeless. One gap
    # costs 1/(n+1) of the score, so below 4 syllables a gapped window can never pass.
    if n >= 4 and (best is None or floor > best[0] >= floor - idx.options.gapped_window_reach):
        form_fks = idx.py_fks[fid]
        for a, b in ((st, st + n - 1), (st, st + n + 1), (st + 1, st + n), (st - 1, st + n)):
            if a < 0 or b > L or b - a < 2:
                continue
            have = {k for pos in range(a, b) for k in fks[pos]}
            if sum(1 for k in form_fks if k in have) < n - 1:
                continue  # a gapped alignment needs all but one syllable near-exact
            span = run[a:b]
            if span == form.target or span in idx.cjk_correct:
                continue
            sc = align_score(readings[a:b], py, rsim)
            if best is None or sc > best[0]:
                best = (sc, a, b)
    return best


def _judge(
    fid: int,
    best,
    run: str,
    run_start: int,
    readings,
    tokens_box: list,
    text: str,
    context: str,
    ctx_off: int,
    idx: CorrectionIndex,
) -> Candidate | None:
    """The guards for one scored window: a candidate, or None when the span must stay."""
    opts = idx.options
    form, py, n, _core, _floor = idx.py_info[fid]
    sc, a, b = best
    n_full = n
    k = idx.py_suffix[fid]
    if k and b - a == n and run[b - k : b] == form.target[-k:]:
        # "医疗大模型" is not "易元大模型": a shared generic suffix proves nothing, so
        # only the distinctive part is scored (and judged by its own length).
        n = n - k
        sc = sum(idx.reading_sim(readings[a + i], py[i]) for i in range(n)) / n
    floor = opts.pinyin_floor(n)
    if sc < floor:
        return None
    span = run[a:b]
    s_abs, e_abs = run_start + a, run_start + b
    two_syl_evidence = False
    if n == 2 and (b - a == 2 or k):
        # two-syllable names: one syllable may be off, but then a character must agree,
        # the pinyin be (nearly) exact, or the context speak for the term
        core_span, core_target = (run[a : a + 2], form.target[:2]) if k else (span, form.target)
        if sc < opts.two_syllable_min_unshared and not (set(core_span) & set(core_target)):
            if not has_evidence(
                form.term, text, s_abs, e_abs, context, ctx_off, opts.context_window, opts.version_chars
            ):
                return None
            two_syl_evidence = True
    if any(c in FUNCTION_CHARS and c not in form.target for c in span) and (
        sc < opts.function_char_exact or all(c in FUNCTION_CHARS for c in span)
    ):
        # 的/了/是/个…: ordinary text unless the syllables match exactly, and even then
        # when the span is nothing but function characters (对其展开调查 is not 对齐)
        kind_needed = True
    elif span[0] in DEGREE_ADVERBS and span[0] != form.target[0]:
        kind_needed = True  # 太魔性了: an adverb before an adjective, not 大模型
    else:
        kind_needed = False
    if tokens_box[0] is None:
        tokens_box[0] = jieba_tokens(run)
    tokens = tokens_box[0]
    kind, crosses = span_kind(run, tokens, a, b, opts.common_freq)
    evidence = two_syl_evidence or None
    never = form.term.never + idx.never
    if crosses or kind == "words":
        # The span cuts or spans ordinary words. Change it only when its pinyin is
        # (nearly) exact for a term of 3+ syllables and the corrected text reads
        # better: its best segmentation uses the term and is more probable.
        if (
            n_full < opts.lm_min_syllables
            or sc < opts.lm_min_score
            or kind_needed
            or not reads_better(run, a, b, form.target, opts)
        ):
            if crosses:
                return None
        else:
            if blocked_by_never(text, s_abs, e_abs, never):
                return None
            return Candidate(s_abs, e_abs, form.target, form.term, sc, "pinyin-lm")
    if kind in ("word", "words") or kind_needed:
        # an ordinary word needs evidence right beside it (五个Gemini, 千万3), not just
        # somewhere in the sentence (五个月前 … Gemini)
        evidence = has_evidence(
            form.term, text, s_abs, e_abs, context, ctx_off, opts.adjacent_window, opts.version_chars
        )
        if not evidence or sc < opts.pinyin_min_common:
            return None
        if (
            evidence == "context"
            and sc < opts.very_common_min_with_context
            and any(word_freq(w) >= opts.very_common_freq for w in words_in(run, tokens, a, b))
        ):
            return None
    else:
        thr = opts.pinyin_min(n) + (opts.mixed_span_extra if kind == "mixed" else 0.0)
        if sc < thr:
            evidence = has_evidence(
                form.term, text, s_abs, e_abs, context, ctx_off, opts.context_window, opts.version_chars
            )
            if not evidence or sc < thr - opts.evidence_slack:
                return None
    if blocked_by_never(text, s_abs, e_abs, never):
        return None
    return Candidate(s_abs, e_abs, form.target, form.term, sc, "pinyin-context" if evidence else "pinyin")


def cjk_candidates(
    text: str, idx: CorrectionIndex, cands: list[Candidate], context: str, ctx_off: int
) -> None:
    """Append pinyin candidates for every run of Han characters in ``text``.

    ``context`` holds ``text`` at offset ``ctx_off`` (with its neighbours, for evidence).
    """
    if not idx.py_forms:
        return
    # Two-syllable forms of terms whose context words occur nearby may match on one syllable.
    ctx_fold = context.casefold()
    primed: set[int] = set()
    for words, fids in idx.context_terms:
        if any(w in ctx_fold for w in words):
            primed.update(fids)
    for m in _CJK_RUN_RE.finditer(text):
        run_start, run = m.start(), m.group()
        if len(run) < 2:
            continue
        readings = [char_readings(c) for c in run]
        fks = [tuple(dict.fromkeys(fuzzy_key(r) for r in rs)) for rs in readings]
        fcs = [tuple(dict.fromkeys(syllable_parts(r)[3] for r in rs)) for rs in readings]
        found = _blocked_alignments(run, fks, fcs, idx, primed)
        if not found:
            continue
        tokens_box: list = [None]  # jieba's words of the run, cut only when a span needs them
        for fid, st in found:
            best = _best_window(fid, st, run, readings, fks, idx)
            if best is None:
                continue
            c = _judge(fid, best, run, run_start, readings, tokens_box, text, context, ctx_off, idx)
            if c is not None:
                cands.append(c)
