"""The boundary classifier: is there a news-item boundary in the gap after a sentence?

Every gap between two sentences gets a handful of features anyone can check by reading the
text (:data:`FEATURES`); a logistic regression fitted on the segcorpus roundups
(``scripts/train_segmenter.py``; weights in ``audio2digest/data/segmenter.json``) turns them
into log-odds, and :func:`decode` picks the boundaries that maximise the summed log-odds while
keeping items at least a minimum length. With timing, a second small model adds the pause
before the sentence (fitted on the dev episodes). Pure Python at run time: no numpy.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

from audio2digest.text.chinese_words import jieba_tokens
from audio2digest.text.entities import BUILTIN_ENTITIES_ZH
from audio2digest.text.language import CJK_CHARS, EN_STOP_CAPS, EN_STOPWORDS, has_cjk
from audio2digest.text.sentences import SENT_END

__all__ = [
    "CONT_CUES_EN",
    "CONT_CUES_ZH",
    "DOC_ZSCORED",
    "EMBED_FEATURES",
    "FEATURES",
    "GapTokens",
    "LEXICAL_FEATURES",
    "NEW_CUES_EN",
    "NEW_CUES_ZH",
    "TIMED_FEATURES",
    "BoundaryModel",
    "cosine",
    "decode",
    "gap_features",
    "gap_tokens",
    "length_ranks",
    "lexical_columns",
    "load_model",
    "tiling_depths",
    "zscore_columns",
    "timed_rows",
    "tokens",
]

# A new story starts with these (at the start of a sentence).
NEW_CUES_ZH = re.compile(
    r"^(?:首先|第一条|第[一二三四五六七八九十]+条|接下来|接着|下面|下一条|再来看|再看|我们来看|来看|"
    r"另一条|还有一条|然后是|最后是|"
    r"在?[\u4e00-\u9fffA-Za-z]{1,6}方面[，,、 ]|"
    r"[\u4e00-\u9fff]{2,6}(?:领域|赛道)(?:方面)?[，,]|"
    r"(?:本周|今天|昨天|近日)(?:还有|的另一)|"
    r"回到|转向|说到)"
)
NEW_CUES_EN = re.compile(
    r"^(?:next\b|next up\b|in other news\b|moving on\b|first up\b|to start\b|"
    r"elsewhere\b|turning to\b|over at\b|our next story\b|also this week\b|and finally\b|"
    r"in (?:[a-z]+ ){0,2}news\b|on the [a-z]+ front\b|speaking of\b)",
    re.IGNORECASE,
)
# Transitions that open a story on air but often continue one in writing (另外 / Meanwhile).
WEAK_CUES = re.compile(
    r"^(?:另外|此外|其次|最后|finally\b|meanwhile\b|lastly\b|first\b|also\b)", re.IGNORECASE
)
# ... and these continue the current one.
CONT_CUES_ZH = re.compile(
    r"^(?:据悉|据了解|据介绍|据报道|据称|与此同时|同时|此前|对此|该|这|其|它|他|她|并且|并|而|但|"
    r"不过|因此|所以|也|还|官方|目前|此次|这次|该公司|他们|它们|以及|比如|例如|包括|其中|"
    r"正如|换句话说|也就是说|不仅|除此之外|然而|值得|随后|未来|用户|开发者)"
)
CONT_CUES_EN = re.compile(
    r"^(?:the company\b|the firm\b|it\b|its\b|it's\b|he\b|she\b|they\b|their\b|this\b|that\b(?! is all)|"
    r"these\b|those\b|according to\b|however\b|but\b|and\b|also\b|which\b|with\b|so\b|"
    r"the (?:model|browser|app|chip|tool|system|startup|lab|team|update|release|project|feature|"
    r"new|library|post|change|proposal|pr|kep)\b|in addition\b|additionally\b|plus\b|"
    r"researchers\b|users\b|developers\b|you\b|we\b|i\b|there\b|now\b|here\b|if\b)",
    re.IGNORECASE,
)
_RELEASE_ZH = (
    r"(?:正式|今天|今日|近日|日前|刚刚|已经|已|也|再次|首次|悄然|重磅|宣布)?"
    r"(?:发布|推出|开源|上线|宣布|推送|公布|亮相|升级|更新|收购|完成|获得|发表|提出|开放|"
    r"披露|上架|官宣|曝光|启动|揭晓|登场|问世|迎来|带来|联合|携手|打造|announce)"
)
# "X 发布/推出/开源 …": a named subject, no comma before the verb, not a pronoun.
_SUBJECT_VERB_ZH = re.compile(r"^(?!该|这|其|它|此|他|她|同时|目前|此外)[^，。；：,;:]{1,24}?" + _RELEASE_ZH)
_SUBJECT_VERB_EN = re.compile(
    r"^(?!(?:The|This|These|It|They|He|She|We|You|I|There|That)\b)"
    r"[A-Z0-9@][\w.\-+@']*(?:\s+[\w.\-+@']+){0,5}?\s+(?:has\s+|have\s+|just\s+|officially\s+|today\s+|"
    r"quietly\s+|finally\s+|is\s+|are\s+)?"
    r"(?:announce[sd]?|release[sd]?|launch(?:e[sd])?|unveil(?:s|ed)?|introduce[sd]?|open[- ]sourced?|"
    r"ship(?:s|ped)?|roll(?:s|ed)? out|publish(?:es|ed)?|acquire[sd]?|raise[sd]?|debut(?:s|ed)?|"
    r"drop(?:s|ped)|launching|releasing|unveiling|announcing|is out|now supports?|added|adds)\b",
    re.ASCII,
)
_EN_STOP_CAPS = EN_STOP_CAPS | {"However"}
_BUILTIN_ZH_NAMES = tuple(
    sorted({n for names in BUILTIN_ENTITIES_ZH.values() for n in names}, key=len, reverse=True)
)
_HEADING_END = "：:"
_GENERIC_SUBJECT = re.compile(
    r"^(?:新|该|此|这款|这个|这一)?(?:模型|版本|平台|系统|工具|产品|功能|项目|团队|公司|研究|论文|服务|应用|"
    r"框架|方案|技术|芯片|插件|更新|报告|数据集|基准)|^the (?:model|platform|tool|project|team|company|"
    r"feature|service|paper|study|framework|chip|release|update|library|kep|pr)\b",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:另外|此外|同时|与此同时|接下来|接着|然后|最后|其次|首先|再来看|下面|"
    r"next|meanwhile|finally|also|in other news|elsewhere)[，,、 ]+",
    re.IGNORECASE,
)

_STOP_CHARS = set("的了是在和与及也都就而并把被对从为着过这那个们中上下我你他她它之其")
_EN_STOP = EN_STOPWORDS | {"whom"}
_HAN_RUN = re.compile(f"[{CJK_CHARS}]+")

#: Features of the gap between sentence ``a`` (before) and ``b`` (after), in model order.
FEATURES = (
    "bias",
    "cjk",  # the text is CJK
    "new_cue",  # b opens with a new-story cue (接下来 / 另一条 / Next / In other news)
    "weak_cue",  # b opens with 另外 / 此外 / Meanwhile / Finally (new on air, often not in writing)
    "cont_cue",  # b opens with a continuation cue (该 / 同时 / It / The company / However)
    "generic_subject",  # b's subject is a common noun (模型 / 平台 / The model): it refers back
    "subject_release",  # b: a named subject then a release verb (X发布 / X launched)
    "starts_name",  # b opens with a proper name (Latin capital word or a known Chinese name)
    "b_names_seen",  # share of b's names already named in the left window (continuation)
    "b_names_new",  # b names something, none of it in the left window
    "entity_change",  # 1 - Jaccard of names left vs right window
    # The three cohesion columns are z-scored within the document (:data:`DOC_ZSCORED`).
    "cos_adjacent_z",  # lexical cosine of a and b
    "cos_window_z",  # lexical cosine of the windows left and right of the gap
    "depth_z",  # TextTiling depth of cos_window (how much of a valley the gap is)
    "len_a",  # log length of a
    "len_b",  # log length of b
    "heading_like",  # b is short, has no comma and ends with a colon/full stop before a longer one
    "a_short",  # a is a short sentence (a title or lead-in line)
    "b_lower_start",  # b starts in lower case or with a connective (mid-clause)
    "b_ahead_vs_back",  # cosine(b, the two sentences after it) - cosine(b, a and the one before)
    "a_back_vs_ahead",  # cosine(a, the two before it) - cosine(a, b and the one after)
    "b_names_ahead",  # share of b's names named again in the two sentences after it
    "a_names_back",  # share of a's names named in the two sentences before it
    "len_a_rank",  # where a's length ranks among the document's sentences (-0.5 shortest .. 0.5 longest)
    # Learned lexical cues (:data:`LEXICAL_FEATURES`): the fitted boundary values of b's first
    # words and of a's last word, looked up in the model's lexicon.
    "lex_b_1",  # b's first character (zh) / first word (en)
    "lex_b_2",  # b's first two characters (zh) / first word or <C> for a name, then the second
    "lex_b_3",  # b's first jieba word (zh)
    "lex_a_mark",  # a ends in a question mark or a semicolon
    "lex_a_1",  # a's last character (zh) / last word (en)
    "lex_a_2",  # a's last two characters (zh)
    # a's own opening, valued from the start lexicon: does a open the way items open? (Then a
    # cut here leaves a one-sentence item; a cut one sentence late is the error it reads.)
    "lex_a_start_1",  # a's first character (zh) / first word (en)
    "lex_a_start_2",  # a's first two characters (zh) / first word or <C>, then the second
    "lex_a_start_3",  # a's first jieba word (zh)
)
#: The columns of :data:`FEATURES` filled from the lexicon: three keys of b, three of a's end,
#: three of a's start.
LEXICAL_FEATURES = FEATURES[-9:]
#: Columns z-scored over the document's gaps: how cohesive a gap is *for this text*, since
#: absolute cosine levels differ by publisher and language (see docs/segmentation.md for the
#: leave-one-source-out figures with and without).
DOC_ZSCORED = ("cos_adjacent_z", "cos_window_z", "depth_z")
#: Opt-in sentence-embedding columns (:mod:`audio2digest.text.embedding` computes them), after
#: :data:`FEATURES` in a model fitted with them; z-scored over the document's gaps too.
EMBED_FEATURES = (
    "emb_adjacent_z",  # cosine of a and b
    "emb_window_z",  # cosine of the mean vectors of the sentences left and right (EMBED_WINDOW)
    "emb_depth_z",  # TextTiling depth of emb_window (how much of a valley the gap is)
    "emb_b_ahead_vs_back_z",  # cos(b, the two after it) - cos(b, a and the one before)
    "emb_a_back_vs_ahead_z",  # cos(a, the two before it) - cos(a, b and the one after)
)
#: Added to the standard deviation so a document whose cohesion barely varies is not blown up.
ZSCORE_FLOOR = 0.05
#: The timed model's inputs: the text model's log-odds and the pause before b.
TIMED_FEATURES = ("bias", "text_logit", "pause", "pause_inner", "pause_absorbed", "new_cue", "weak_cue")


def tokens(text: str, cjk: bool) -> Counter:
    """Content tokens: Latin words (3+ letters, not stop words), and CJK character bigrams."""
    toks: Counter = Counter()
    for w in re.findall(r"[A-Za-z][A-Za-z0-9\-]+", text):
        lw = w.lower()
        if lw in _EN_STOP or len(lw) < 3:
            continue
        if not cjk and lw.endswith("s") and len(lw) > 4:
            lw = lw[:-1]
        toks[lw] += 1
    if cjk:
        for r in _HAN_RUN.findall(text):
            for x, y in zip(r, r[1:]):
                if x in _STOP_CHARS or y in _STOP_CHARS:
                    continue
                toks[x + y] += 1
    return toks


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _window(lengths: Sequence[int], i: int, step: int, limit: int) -> range:
    """Indices from ``i`` going ``step`` (+1/-1) until ``limit`` characters are covered."""
    j, size = i, 0
    while 0 <= j < len(lengths) and size < limit:
        size += lengths[j]
        j += step
    return range(i, j, step)


def tiling_depths(sims: list[float]) -> list[float]:
    out = []
    for i, s in enumerate(sims):
        lpeak, j = s, i
        while j - 1 >= 0 and sims[j - 1] >= lpeak:
            j -= 1
            lpeak = sims[j]
        rpeak, j = s, i
        while j + 1 < len(sims) and sims[j + 1] >= rpeak:
            j += 1
            rpeak = sims[j]
        out.append((lpeak - s) + (rpeak - s))
    return out


def _starts_name(t: str) -> bool:
    m = re.match(r"[A-Z][\w.\-+]*|[a-z]+[A-Z][\w.\-+]*|[0-9]+[A-Za-z][\w.\-]*", t, re.ASCII)
    if m and m.group(0).rstrip(".") not in _EN_STOP_CAPS:
        return True
    return t.startswith(_BUILTIN_ZH_NAMES)


_OPENERS = "“\"'「『（(《【"
_FINAL_MARKS = "。！？!?；;….:："
_LATIN_WORD = re.compile(r"[A-Za-z0-9'’\-]+")


def _start_tokens(text: str, cjk: bool) -> list[str]:
    """b's lexicon keys: the first character, the first two, the first jieba word (zh); the
    first word, and the first word (``<C>`` for a capitalised non-stop word) plus the second."""
    t = text.strip().lstrip(_OPENERS)
    if cjk:
        han = _HAN_RUN.match(t)
        if han:
            first = jieba_tokens(han.group(0)[:8])[0]
        else:
            first = "<latin>" if re.match(r"[A-Za-z0-9]", t) else t[:1]
        return ["c1:" + t[:1], "c2:" + t[:2], "w:" + first]
    ws = _LATIN_WORD.findall(t[:80])
    if not ws:
        return ["w1:" + t[:1]]
    low = ws[0].lower()
    shape = low if (low in EN_STOPWORDS or not ws[0][:1].isupper()) else "<C>"
    return ["w1:" + low, "w2:" + shape + (" " + ws[1].lower() if len(ws) > 1 else "")]


def _end_tokens(text: str, cjk: bool) -> list[str]:
    """a's lexicon keys: "p:?" / "p:;" when it ends in a question mark or a semicolon (else
    "", no key), then the last character and last two (zh) or the last word (en), final marks
    and closing brackets stripped. Other final marks are no key: with "." / "!" / a closing
    bracket keyed too, the spoken roundup held out was over-split (changelog Pk 0.435 -> 0.495
    leave-one-source-out)."""
    t = text.strip()
    mark = {"?": "p:?", "？": "p:?", ";": "p:;", "；": "p:;"}.get(t[-1:], "")
    core = t.rstrip(_FINAL_MARKS + "”」』）)\"' ")
    if cjk:
        return [mark, "e1:" + core[-1:], "e2:" + core[-2:]]
    ws = _LATIN_WORD.findall(core[-60:])
    return [mark, "e1:" + (ws[-1].lower() if ws else "")]


#: Lexicon keys of one gap: (``b``'s start keys, ``a``'s end keys, ``a``'s start keys).
GapTokens = tuple[list[str], list[str], list[str]]


def gap_tokens(texts: Sequence[str], cjk: bool) -> list[GapTokens]:
    """Per gap ``i``: (the lexicon keys of ``texts[i + 1]``'s start, of ``texts[i]``'s end, of
    ``texts[i]``'s start)."""
    starts = [_start_tokens(t, cjk) for t in texts]
    return [(starts[i + 1], _end_tokens(texts[i], cjk), starts[i]) for i in range(len(texts) - 1)]


def lexical_columns(tokens: Sequence[list[str]], lexicon: dict[str, dict[str, float]]) -> list[float]:
    """The nine :data:`LEXICAL_FEATURES` of one gap (``tokens`` as :func:`gap_tokens` gives
    them): each key's value in ``lexicon`` ("b" for start keys -- b's and a's -- "a" for end
    keys), 0 when it is not there (or a's start keys are not given)."""
    b, a = lexicon.get("b", {}), lexicon.get("a", {})
    sb, ea = tokens[0], tokens[1]
    sa = tokens[2] if len(tokens) > 2 else []

    def look(table: dict[str, float], keys: list[str]) -> list[float]:
        return [table.get(k, 0.0) for k in keys[:3]] + [0.0] * (3 - len(keys[:3]))

    return look(b, sb) + look(a, ea) + look(b, sa)


def gap_features(
    texts: Sequence[str],
    cjk: bool,
    names: Sequence[Sequence[str]],
    window_chars: int = 60,
    lexicon: dict[str, dict[str, float]] | None = None,
) -> list[list[float]]:
    """One feature row (see :data:`FEATURES`) per gap: row ``i`` is the gap after ``texts[i]``.

    ``names`` are the entity names of each sentence (lower-cased); ``window_chars`` the
    cohesion window on each side (CJK characters; Latin text uses 3x); ``lexicon`` the
    model's learned start/end cues (None: the lexical columns are 0).
    """
    n = len(texts)
    if n < 2:
        return []
    gtoks = gap_tokens(texts, cjk)
    lex = lexicon or {}
    limit = window_chars if cjk else window_chars * 3
    stripped = [t.strip() for t in texts]
    lengths = [len(t) for t in stripped]
    toks = [tokens(t, cjk) for t in stripped]
    sims = []
    lefts, rights = [], []
    for i in range(n - 1):
        left: Counter = Counter()
        lnames: set[str] = set()
        for j in _window(lengths, i, -1, limit):
            left.update(toks[j])
            lnames.update(names[j])
        right: Counter = Counter()
        rnames: set[str] = set()
        for j in _window(lengths, i + 1, +1, limit):
            right.update(toks[j])
            rnames.update(names[j])
        sims.append(cosine(left, right))
        lefts.append(lnames)
        rights.append(rnames)
    depths = tiling_depths(sims)
    ranks = length_ranks(lengths[: n - 1])

    def bag(lo: int, hi: int) -> Counter:
        c: Counter = Counter()
        for j in range(max(0, lo), min(n, hi)):
            c.update(toks[j])
        return c

    def nameset(lo: int, hi: int) -> set[str]:
        out: set[str] = set()
        for j in range(max(0, lo), min(n, hi)):
            out.update(names[j])
        return out

    rows = []
    for i in range(n - 1):
        b = stripped[i + 1]
        bt = b.lstrip("“\"'「『（(")
        new = bool(NEW_CUES_ZH.match(bt) or NEW_CUES_EN.match(bt))
        weak = (not new) and bool(WEAK_CUES.match(bt))
        cont = (not new and not weak) and bool(CONT_CUES_ZH.match(bt) or CONT_CUES_EN.match(bt))
        core_b = _LEAD.sub("", bt) or bt  # "另外，谷歌推出…" names its subject after the cue
        subj = bool((_SUBJECT_VERB_ZH if has_cjk(core_b[:30]) else _SUBJECT_VERB_EN).match(core_b))
        bnames = set(names[i + 1])
        left_text = " ".join(stripped[j] for j in _window(lengths, i, -1, limit)).lower()
        seen_names = {
            x
            for x in bnames
            if x in lefts[i] or any(len(w) >= 4 and w in left_text for w in re.findall(r"[a-z0-9]+", x))
        }
        seen = len(seen_names) / len(bnames) if bnames else 0.0
        lset, rset = lefts[i], rights[i]
        if lset or rset:
            change = 1.0 - len(lset & rset) / len(lset | rset)
        else:
            change = 0.0
        core = b.rstrip(SENT_END + _HEADING_END)
        heading = (
            len(core) <= (16 if cjk else 60)
            and not re.search(r"[，,、]", core)
            and b[-1:] in "。：:.!"
            and i + 2 < n
            and lengths[i + 2] > len(core) * 1.5
        )
        lower = bool(re.match(r"[a-z]", bt)) or bool(re.match(r"^(?:而|并|且|但|和|与|以及|或)", bt))
        rows.append(
            [
                1.0,
                1.0 if cjk else 0.0,
                float(new),
                float(weak),
                float(cont),
                float(bool(_GENERIC_SUBJECT.match(core_b))),
                float(subj),
                float(_starts_name(bt)),
                seen,
                1.0 if bnames and not seen_names else 0.0,
                change,
                cosine(toks[i], toks[i + 1]),
                sims[i],
                depths[i],
                math.log1p(lengths[i]) / 5.0,
                math.log1p(lengths[i + 1]) / 5.0,
                float(heading),
                1.0 if lengths[i] <= (12 if cjk else 40) else 0.0,
                float(lower),
                cosine(toks[i + 1], bag(i + 2, i + 4)) - cosine(toks[i + 1], bag(i - 1, i + 1)),
                cosine(toks[i], bag(i - 2, i)) - cosine(toks[i], bag(i + 1, i + 3)),
                len(bnames & nameset(i + 2, i + 4)) / len(bnames) if bnames else 0.0,
                (len(set(names[i]) & nameset(i - 2, i)) / len(set(names[i]))) if names[i] else 0.0,
                ranks[i],
                *lexical_columns(gtoks[i], lex),
            ]
        )
    zscore_columns(rows, [FEATURES.index(f) for f in DOC_ZSCORED])
    return rows


def length_ranks(lengths: Sequence[int]) -> list[float]:
    """Each length's rank among ``lengths`` scaled to -0.5 (shortest) .. 0.5 (longest), ties
    sharing their mean rank: how long a sentence is *for this text* (publishers write at
    different lengths). A rank, not a z-score: with a's log length z-scored instead, the dev02
    episode held out went from Pk 0.097 to 0.18 (docs/segmentation.md)."""
    n = len(lengths)
    order = sorted(range(n), key=lambda k: lengths[k])
    out = [0.0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and lengths[order[j + 1]] == lengths[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 / max(1, n - 1) - 0.5
        i = j + 1
    return out


def zscore_columns(rows: list[list[float]], cols: Sequence[int], floor: float = ZSCORE_FLOOR) -> None:
    """Centre ``cols`` on the document mean and divide by its standard deviation (plus
    ``floor``), in place."""
    n = len(rows)
    for c in cols:
        mean = sum(r[c] for r in rows) / n
        sd = math.sqrt(sum((r[c] - mean) ** 2 for r in rows) / n)
        for r in rows:
            r[c] = (r[c] - mean) / (sd + floor)


def timed_rows(
    model: BoundaryModel, rows: Sequence[Sequence[float]], pauses: Sequence[tuple[float, bool, bool]]
) -> list[list[float]]:
    """Rows of :data:`TIMED_FEATURES` for the gaps of a timed transcript."""
    new, cont = FEATURES.index("new_cue"), FEATURES.index("weak_cue")
    out = []
    for z, r, (p, inner, absorbed) in zip(model.logits(rows), rows, pauses):
        out.append([1.0, z, p, p * inner, p * absorbed, r[new], r[cont]])
    return out


@dataclass(frozen=True)
class BoundaryModel:
    """Logistic-regression weights over :data:`FEATURES` (and :data:`TIMED_FEATURES`)."""

    weights: tuple[float, ...]
    timed_weights: tuple[float, ...]
    bias_text: float  # added to the log-odds for plain text (fitted on the training sources)
    meta: dict
    #: Learned cue values: {"b": {start key: value}, "a": {end key: value}} (see gap_tokens).
    lexicon: dict = field(default_factory=dict)
    #: Opt-in sentence-embedding columns after :data:`FEATURES` (empty, or
    #: :data:`EMBED_FEATURES`): such a model needs an embedder to segment.
    embed_features: tuple[str, ...] = ()

    @property
    def features(self) -> tuple[str, ...]:
        return FEATURES + self.embed_features

    def logits(self, rows: Sequence[Sequence[float]]) -> list[float]:
        w = self.weights
        return [sum(x * y for x, y in zip(w, r)) for r in rows]

    def timed_logits(
        self, rows: Sequence[Sequence[float]], pauses: Sequence[tuple[float, bool, bool]]
    ) -> list[float]:
        """Log-odds with the pause: ``rows`` are the gaps' :data:`FEATURES`, ``pauses[i]`` =
        (pause 0..1, inside a recogniser segment, folded into a word). Spoken cue phrases get
        their own weights here: they are rare in the written corpus and common on air."""
        return [sum(x * y for x, y in zip(self.timed_weights, r)) for r in timed_rows(self, rows, pauses)]

    @classmethod
    def from_dict(cls, data: dict) -> BoundaryModel:
        feats = tuple(data.get("features") or ())
        extra: tuple[str, ...] = ()
        if feats != FEATURES:
            if feats != FEATURES + EMBED_FEATURES:
                raise ValueError(f"boundary model features {feats} do not match the code's {FEATURES}")
            extra = EMBED_FEATURES
        w = tuple(float(x) for x in data["weights"])
        tw = tuple(
            float(x) for x in data.get("timed_weights") or (0.0, 1.0) + (0.0,) * (len(TIMED_FEATURES) - 2)
        )
        if len(w) != len(feats) or len(tw) != len(TIMED_FEATURES):
            raise ValueError("boundary model: wrong number of weights")
        lex = data.get("lexicon") or {}
        lexicon = {side: {str(k): float(v) for k, v in (lex.get(side) or {}).items()} for side in ("a", "b")}
        return cls(w, tw, float(data.get("bias_text", 0.0)), dict(data.get("meta") or {}), lexicon, extra)

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "weights": list(self.weights),
            "timed_features": list(TIMED_FEATURES),
            "timed_weights": list(self.timed_weights),
            "bias_text": self.bias_text,
            "lexicon": self.lexicon,
            "meta": self.meta,
        }


@functools.lru_cache(maxsize=4)
def load_model(path: str | None = None) -> BoundaryModel:
    """The shipped model (``audio2digest/data/segmenter.json``) or the one at ``path``."""
    if path is None:
        raw = resources.files("audio2digest").joinpath("data/segmenter.json").read_text("utf-8")
    else:
        with open(path, encoding="utf-8") as fh:
            raw = fh.read()
    return BoundaryModel.from_dict(json.loads(raw))


def decode(
    scores: Sequence[float],
    lengths: Sequence[float],
    min_length: float,
    *,
    forced: Sequence[int] = (),
    forbidden: Sequence[int] = (),
    short_penalty: float = 6.0,
) -> list[int]:
    """The gaps to cut (gap ``i`` = after unit ``i``) maximising the summed ``scores`` of the
    cuts, with every item at least ``min_length`` long (``lengths`` per unit) -- a shorter item
    costs ``short_penalty`` -- forced gaps always cut and forbidden ones never.

    Dynamic programming over item ends; O(units x units-per-minimum-item).
    """
    n = len(lengths)
    if n <= 1:
        return []
    forced_set, forbid = set(forced), set(forbidden)
    cum = [0.0]
    for x in lengths:
        cum.append(cum[-1] + x)
    # cut_score[j]: score of an item starting at unit j (a cut before j); j = 0 is free
    cut_score = [0.0] + [
        (1e6 if (j - 1) in forced_set else (-math.inf if (j - 1) in forbid else scores[j - 1]))
        for j in range(1, n)
    ]
    best = [-math.inf] * (n + 1)  # best[j]: best segmentation of units[:j] ending an item at j
    back = [0] * (n + 1)
    best[0] = 0.0
    elig_best, elig_arg, ptr = -math.inf, 0, 0
    for j in range(1, n + 1):
        while ptr < j and cum[j] - cum[ptr] >= min_length:
            v = best[ptr] + cut_score[ptr] if best[ptr] > -math.inf else -math.inf
            if v > elig_best:
                elig_best, elig_arg = v, ptr
            ptr += 1
        cand, arg = elig_best, elig_arg
        for i in range(ptr, j):  # starts too close to j: the item would be short
            if best[i] == -math.inf:
                continue
            v = best[i] + cut_score[i] - short_penalty
            if v > cand:
                cand, arg = v, i
        best[j], back[j] = cand, arg
    cuts = []
    j = n
    while j > 0:
        i = back[j]
        if i > 0:
            cuts.append(i - 1)
        j = i
    return sorted(cuts)
