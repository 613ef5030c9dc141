"""Choose the glossary terms that go into Whisper's ``hotwords`` within its token budget.

faster-whisper puts ``" " + hotwords`` before every 30-s window (as the "previous text"
prompt) and cuts it at 223 tokens; the prompt and the generated text share 448 tokens, so
every hotword token is a token less for the speech of a dense Mandarin window. Order
therefore matters: terms named in the episode's title/description come first, then the
glossary's ranking (``priority``, then category: org > model/product > person > ...),
then how often a term was seen (``frequency``). Terms that do not fit are skipped and
smaller ones after them may still fit.

What measured better on the dev episodes is written up in ``docs/asr-eval.md``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping, Sequence

from audio2digest.text.glossary import named_in
from audio2digest.text.language import cjk_count, has_cjk, is_cjk_language

log = logging.getLogger("audio2digest.asr.hotwords")

#: faster-whisper truncates hotwords at ``max_length // 2 - 1`` = 223 tokens.
DEFAULT_BUDGET = 220


@functools.lru_cache(maxsize=1)
def embedded_tokenizer():
    """The embedded Whisper base model's ``tokenizers.Tokenizer`` (loaded once)."""
    from tokenizers import Tokenizer

    from audio2digest.asr.model import embedded_model_dir

    return Tokenizer.from_file(str(embedded_model_dir() / "tokenizer.json"))


def token_counter(tokenizer=None) -> Callable[[str], int]:
    """A function counting Whisper tokens of a text.

    ``tokenizer`` may be a ``WhisperModel`` (its ``hf_tokenizer``), a ``tokenizers.Tokenizer``,
    a faster-whisper ``Tokenizer``, a callable returning a count, or None for the embedded
    model's tokenizer (falling back to an estimate if that cannot be loaded).
    """
    tok = getattr(tokenizer, "hf_tokenizer", None) or tokenizer
    if tok is None:
        try:
            tok = embedded_tokenizer()
        except Exception as exc:  # no model at hand: estimate, and say so
            log.warning("no Whisper tokenizer (%s); estimating hotword tokens", exc)
            return estimate_tokens
    if hasattr(tok, "encode"):

        def count(text: str) -> int:
            out = tok.encode(text)
            return len(getattr(out, "ids", out))

        return count
    if callable(tok):
        return lambda text: int(tok(text))
    raise TypeError(f"Invalid tokenizer {tok!r}, expected a WhisperModel, a tokenizer or a callable")


def estimate_tokens(text: str) -> int:
    """A rough, deliberately high count (CJK characters ~2 tokens, Latin ~4 chars/token)."""
    cjk = cjk_count(text)
    return 2 * cjk + (len(text) - cjk + 3) // 4 + 1


def _context_of(meta) -> str:
    if meta is None:
        return ""
    if isinstance(meta, str):
        return meta
    if isinstance(meta, Mapping):
        return " ".join(str(meta.get(k) or "") for k in ("title", "description", "uploader"))
    return " ".join(str(getattr(meta, k, "") or "") for k in ("title", "description", "uploader"))


STRATEGIES = ("glossary", "balanced")


def first_latin_form(forms: Sequence[str]) -> str:
    """A term's first form without Chinese characters (谷歌, Google -> Google), or ""."""
    return next((f.strip() for f in forms if not has_cjk(f)), "")


def rank_terms(
    terms_or_glossary,
    *,
    meta=None,
    frequency: Mapping[str, int] | None = None,
    strategy: str = "glossary",
    latin_for_english: bool = True,
) -> list[str]:
    """Hotword candidates, best first (see the module docstring).

    ``terms_or_glossary``: a Glossary (anything with ``hotword_terms(context)``), or an
    iterable of strings / Term-like objects (``.term``, ``.category``, ``.priority``,
    ``.hotword``). ``meta``: EpisodeMeta, a dict, or plain text (title, description, feed).
    ``frequency``: how often each term was seen (e.g. in earlier episodes of the feed).

    ``strategy``:
    - ``glossary`` (default): context terms, then priority, category weight, frequency,
      file order;
    - ``balanced``: context terms and priority first as above, then the rest
      taken in rounds across categories (each round takes as many terms of a category as
      its weight in ``CATEGORY_PRIORITY``, at least one), so a glossary whose first
      hundred entries are one kind of name does not fill the budget alone. When the
      episode's title/description is in Chinese, each category alternates between terms
      with a Chinese form and Latin-only terms.

    When the title/description is known and has no Chinese, each term is given in its
    first Latin-script form (谷歌 → Google) and terms without one are left out (unless
    ``latin_for_english`` is false: the names as the glossary has them, for a caller that
    spells them itself).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"Invalid strategy '{strategy}', expected one of: {', '.join(STRATEGIES)}")
    raw_context = _context_of(meta)
    context = raw_context.casefold()
    freq = {k.casefold(): v for k, v in (frequency or {}).items()}
    if hasattr(terms_or_glossary, "hotword_terms"):
        entries = list(terms_or_glossary.hotword_terms(context))  # context, priority, category
    else:
        entries = [t for t in terms_or_glossary if getattr(t, "hotword", True)]
    from audio2digest.text.glossary import CATEGORY_PRIORITY

    def name(t) -> str:
        return t if isinstance(t, str) else t.term

    def forms(t) -> Sequence[str]:
        return (t,) if isinstance(t, str) else getattr(t, "forms", (t.term,))

    def category(t) -> str:
        return "" if isinstance(t, str) else (getattr(t, "category", "") or "")

    def in_ctx(t) -> bool:
        return bool(context) and any(named_in(f, context) for f in forms(t))

    def key(pair):
        pos, t = pair
        return (
            not in_ctx(t),
            -getattr(t, "priority", 0),
            -CATEGORY_PRIORITY.get(category(t), 0),
            -freq.get(name(t).casefold(), 0),
            pos,
        )

    ranked = [t for _, t in sorted(enumerate(entries), key=key)]
    if strategy == "balanced":
        head = [t for t in ranked if in_ctx(t) or getattr(t, "priority", 0) > 0]
        rest = [t for t in ranked if not (in_ctx(t) or getattr(t, "priority", 0) > 0)]
        zh = has_cjk(raw_context)
        queues: dict[str, list] = {}
        for t in rest:  # already in category-weight, frequency, file order
            queues.setdefault(category(t), []).append(t)
        if zh:
            for cat, q in queues.items():
                cjk = [t for t in q if any(has_cjk(f) for f in forms(t))]
                latin = [t for t in q if not any(has_cjk(f) for f in forms(t))]
                mixed = []
                for i in range(max(len(cjk), len(latin))):
                    mixed.extend(x[i] for x in (cjk, latin) if i < len(x))
                queues[cat] = mixed
        order = sorted(queues, key=lambda c: -CATEGORY_PRIORITY.get(c, 0))
        balanced = []
        while any(queues.values()):
            for cat in order:
                take = max(1, CATEGORY_PRIORITY.get(cat, 0))
                balanced.extend(queues[cat][:take])
                del queues[cat][:take]
        ranked = head + balanced
    latin_only = latin_for_english and bool(raw_context.strip()) and not has_cjk(raw_context)
    seen: set[str] = set()
    out = []
    for t in ranked:
        n = name(t).strip()
        if latin_only and has_cjk(n):  # an English episode: the term's Latin form, if any
            n = first_latin_form(forms(t))
        if n and n.casefold() not in seen:
            seen.add(n.casefold())
            out.append(n)
    return out


def select_hotwords(
    terms_or_glossary,
    *,
    meta=None,
    tokenizer=None,
    budget: int = DEFAULT_BUDGET,
    frequency: Mapping[str, int] | None = None,
    lead: str = "",
    strategy: str = "glossary",
) -> str:
    """The ``hotwords`` string: ranked terms, space-separated, within ``budget`` tokens.

    Tokens are counted the way faster-whisper encodes hotwords (``" " + hotwords``).
    ``lead`` is put first (e.g. a short Simplified-Chinese phrase) and counts to the budget.
    Returns "" when nothing fits or there are no terms.
    """
    if budget <= 0:
        return ""
    count = token_counter(tokenizer)
    chosen: list[str] = [lead.strip()] if lead.strip() else []
    if chosen and count(" " + chosen[0]) > budget:
        chosen = []
    for term in rank_terms(terms_or_glossary, meta=meta, frequency=frequency, strategy=strategy):
        trial = " " + " ".join(chosen + [term])
        if count(trial) <= budget:
            chosen.append(term)
    text = " ".join(chosen)
    log.debug("hotwords: %d terms, %d tokens", len(chosen), count(" " + text) if text else 0)
    return text


# ---------------------------------------------------------------------------------------
# per episode: the terms named in its metadata and the terms a first look heard

#: A term's Latin key (letters and digits, lower-cased) counts as heard in a first look when
#: rapidfuzz's ratio against one to four of the look's words joined reaches this (0-100);
#: keys of fewer than ``MIN_FUZZY_KEY`` characters must match exactly. Its pinyin key
#: (toneless syllables of its Chinese form) by partial ratio against the look's Chinese,
#: as pinyin (Chinese has no spaces to keep it from matching across words).
#: A term heard brings the terms that begin with its first Latin word (its family: a
#: garbled "Kimi K2 Thinking" is often heard as "Kimi ..."). Values chosen on plain decodes
#: of the dev episodes (至普 -> zhipu = 智谱; 五個 -> wuge is not 谷歌 guge at 75) and the
#: real clips, where no term should be heard.
LATIN_MATCH = 85

#: Batches in these languages get the rest of the hotword budget filled with the glossary's
#: top terms (the bundled glossary is of Mandarin AI news, and its ranking was built on such
#: episodes): on the dev episodes heard terms alone gave 62 % entity recall against 80 %
#: with the ranking, while on the real English clip the ranking's mostly Chinese prompt
#: cost 5.9 WER points ("net" -> "natural") and on the real Mandarin clips nothing once the
#: echo check cut its tails (docs/asr-eval.md).
FILL_LANGUAGES = ("zh",)


#: Tokens of the glossary ranking's fill (the named and heard terms may use all of ``budget``).
#: Every prompt token is carried by every beam: on four 30-s chunks of dev01, beam 5 took
#: 6.9 s with no prompt, 8.7 s with 60 tokens and 15.2 s with 220 (greedy: no difference).
#: 60 recited its prompt over 15 s of the bundled demo before the echo check took runs in any
#: order; 220 is kept because 60 and 120 scored no better (dev01/dev02 CER 25.0/13.8 and
#: 25.5/13.4 % against 23.6/11.6 %, 61-63 of 91 entities either way; docs/asr-eval.md).
FILL_BUDGET = 220

#: Where a batch's hotwords come from, besides the terms the metadata names and those heard
#: in the decoded text of earlier batches: "none" (nothing more), "first" (a greedy first
#: look at the first batch), "every" (a first look at every batch), "auto" (a first look at
#: the first batch only in a language that gets no fill: there the look is the only source
#: of terms). "auto" is the default: on the Mandarin dev episodes the look added nothing the
#: fill did not (dev01/dev02 CER 22.9/13.2 % with it, 23.6/11.6 % without, 63 of 91
#: entities either way) and cost run/sequential 1.05/1.15 against 0.82/0.70; on English
#: dev03 it is worth 3 WER points (10.4 against 13.4 %: "Mistral", "DeepMind" heard).
LOOK_MODES = ("none", "first", "every", "auto")
DEFAULT_LOOK = "auto"
PINYIN_MATCH = 90

#: In a batch of a language not written in Chinese characters, a term of these categories
#: spelt as plain words ("data center", "reasoning model", "Token": letters, a capital only
#: first) is left out of the prompt. The decoder knows English words; what a prompt of
#: lower-case, unpunctuated words changes is the style it copies: with them dev03 came out
#: without full stops ("…episode 31 Here is…", WER 12.8 % against 11.0 % without them, plain
#: 11.6 %). "MoE", "LoRA", "SWE-bench" are spelt otherwise and stay.
PLAIN_WORD_CATEGORIES = frozenset({"concept"})
_PLAIN_WORDS = re.compile(r"[A-Za-z][a-z]*(?: [a-z]+)*")

#: A heard name brings at most this many members of its family (see
#: HotwordChooser._family_heard): every prompt token is carried by every beam, and a mention
#: of DeepSeek-R2 or Llama brought all nine terms of their family into the prompt (dev01: the
#: fill then lost the room for Blackwell Ultra and Sora 2). 3 is the size of the families the rule was
#: made for (Kimi, Kimi K2, Kimi K2 Thinking).
FAMILY_MAX = 3
#: Latin keys shorter than this are heard only exactly, and a fuzzy match needs a word run
#: at least this long too: "Sir Edre" (Cerebras in dev03's first look) heard Siri by
#: "sir" (ratio 86 against "siri"), and the prompted Siri then replaced Cerebras in the
#: decode ("Siri remote and", WER 12.2 % against plain 11.6 %). A three-letter word is
#: too often an ordinary one for one missing letter to make a name.
MIN_FUZZY_KEY = 4
MIN_PINYIN_KEY = 5  # letters: two-syllable names (zhipu) and longer


def _latin_key(s: str) -> str:
    return "".join(c for c in s.casefold() if c.isascii() and c.isalnum())


#: Latin words of a term's name (its family head is the first), and of decoded text, where
#: a version number is one word ("4.5": "Claude Sonnet 4.5" holds no "Claude Sonnet 4").
_NAME_WORDS = re.compile(r"[a-z0-9]+")
_HEARD_WORDS = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*")


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _other_version(a: str, b: str) -> bool:
    """Whether two names' numbers say they are different versions (R1 and R2), for choosing
    among a family: a number missing on one side or one that goes on (3 -> 3.1) is no
    contradiction there. Hearing a term asks more: the same digits (``HotwordChooser.heard``:
    with this leniency a bare "DeepSeek" heard DeepSeek-R1 and -R2, their keys 89 % alike)."""
    x, y = _digits(a), _digits(b)
    return bool(x and y) and not (x.startswith(y) or y.startswith(x))


def _pinyin(s: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(p for p in lazy_pinyin("".join(ch for ch in s if has_cjk(ch))) if p.isalpha())


class HotwordChooser:
    """Chooses an episode's hotwords: the glossary terms its title/description name, then
    the terms whose Latin or pinyin keys were heard (in the decoded text of earlier batches,
    recorded by :meth:`note`, or in a first look's text when ``look`` asks for one), ranked
    as :func:`rank_terms` ranks them and within ``budget`` tokens; Mandarin batches then the
    ranking's top terms within ``fill_budget``. ``""`` gives the named and noted terms only
    (None when there are none)."""

    def __init__(
        self,
        glossary,
        *,
        meta=None,
        tokenizer=None,
        budget: int = DEFAULT_BUDGET,
        fill_languages: tuple[str, ...] = FILL_LANGUAGES,
        fill_budget: int = FILL_BUDGET,
        look: str = DEFAULT_LOOK,
    ):
        # by the glossary's names: _spelling spells them for each batch's language
        self.ranked = rank_terms(glossary, meta=meta, latin_for_english=False)
        raw_context = _context_of(meta)
        self.english_context = bool(raw_context.strip()) and not has_cjk(raw_context)
        self.count = token_counter(tokenizer)
        self.budget = budget
        context = raw_context.casefold()
        terms = [t for t in getattr(glossary, "terms", glossary) if getattr(t, "hotword", True)]
        self.keys: dict[str, tuple[set[str], set[str], set[str]]] = {}
        self.latin_form: dict[str, str] = {}  # a Chinese-named term -> its first Latin form, or ""
        self.common_nouns: set[str] = set()  # terms of PLAIN_WORD_CATEGORIES
        self.family: dict[str, set[str]] = {}  # first Latin word -> the terms it begins (Kimi K2 ...)
        self.context_terms: set[str] = set()
        for t in terms:
            forms = (t,) if isinstance(t, str) else tuple(t.forms)
            aliases = () if isinstance(t, str) else tuple(getattr(t, "aliases", ()))
            name = (t if isinstance(t, str) else t.term).strip()
            latin = {k for k in (_latin_key(f) for f in forms + aliases if not has_cjk(f)) if len(k) >= 2}
            pinyin = {k for k in (_pinyin(f) for f in forms if has_cjk(f)) if len(k) >= MIN_PINYIN_KEY}
            exact = {a.casefold() for a in forms + aliases if len(a) >= 2}
            self.keys[name.casefold()] = (latin, pinyin, exact)
            if has_cjk(name):  # its spelling for a batch in a language without Chinese script
                self.latin_form[name.casefold()] = first_latin_form(forms)
            if not isinstance(t, str) and getattr(t, "category", "") in PLAIN_WORD_CATEGORIES:
                self.common_nouns.add(name.casefold())
            head = _NAME_WORDS.findall(name.casefold())
            if head and not has_cjk(name):
                self.family.setdefault(head[0], set()).add(name.casefold())
            if context and any(named_in(f, context) for f in forms):
                self.context_terms.add(name.casefold())
        self.chosen: list[str] = []  # every term chosen so far (for the repairs' prompt)
        self.fill_languages = fill_languages
        if look not in LOOK_MODES:
            raise ValueError(f"Invalid look '{look}', expected one of: {', '.join(LOOK_MODES)}")
        self.fill_budget = fill_budget
        self.look = look
        self._term_tokens: dict[str, int] = {}
        self._overhead = self.count("")
        self.noted: set[str] = set()  # terms heard in the decoded text of earlier batches
        self.batches = 0  # batches the chooser has chosen for (calls), across decode blocks

    def note(self, text: str) -> None:
        """Record the terms a decoded batch's ``text`` holds, for the batches after it."""
        self.noted |= self.heard(text)

    def heard(self, text: str) -> set[str]:
        """The (casefolded) names of the terms a first look's ``text`` holds (see the module
        constants for the matching). Latin keys are compared with runs of one to four
        words joined ("open router" -> openrouter), never with the inside of a word."""
        from rapidfuzz import fuzz

        low = (text or "").casefold()
        tokens = [t.replace(".", "") for t in _HEARD_WORDS.findall(low)]
        spans: dict[int, set[str]] = {}
        for i in range(len(tokens)):
            for n in range(1, 5):
                if i + n <= len(tokens):
                    joined = "".join(tokens[i : i + n])
                    spans.setdefault(len(joined), set()).add(joined)
        pinyin = _pinyin(low)
        out = set()

        def latin_heard(k: str) -> bool:
            if k in spans.get(len(k), ()):
                return True
            if len(k) < MIN_FUZZY_KEY:
                return False
            reach = max(1, len(k) // 5)
            version = _digits(k)  # GPT 5 is not GPT-3.5, nor DeepSeek DeepSeek-R1: the digits must agree
            return any(
                fuzz.ratio(k, c) >= LATIN_MATCH and _digits(c) == version
                for n in range(max(MIN_FUZZY_KEY, len(k) - reach), len(k) + reach + 1)
                for c in spans.get(n, ())
            )

        for name, (lkeys, pkeys, exact) in self.keys.items():
            if any(e in low for e in exact if has_cjk(e)):
                out.add(name)
            elif tokens and any(latin_heard(k) for k in lkeys):
                out.add(name)
            elif pinyin and any(k in pinyin or fuzz.partial_ratio(k, pinyin) >= PINYIN_MATCH for k in pkeys):
                out.add(name)
        for name in list(out):  # a name heard brings its family: Kimi -> Kimi K2 Thinking, Sora -> Sora 2
            head = _NAME_WORDS.findall(name)
            if head and len(head[0]) >= MIN_FUZZY_KEY:
                out |= self._family_heard(head[0], tokens, out)
        return out

    def _family_heard(self, head: str, tokens: Sequence[str], heard: set[str]) -> set[str]:
        """The members of ``head``'s family a mention of it brings: all of a family of up to
        ``FAMILY_MAX``; of a larger one (11 Claude, 10 Gemini, 9 Llama terms in the bundled
        glossary) as many as make ``FAMILY_MAX`` with the members ``heard`` already, those
        whose Latin keys are closest to the head word and the words after it in ``tokens``
        ("llama 4 maverick" -> Llama 4 Maverick), not all of them."""
        from rapidfuzz import fuzz

        family = self.family.get(head, set())
        if len(family) <= FAMILY_MAX:
            return family
        starts = [i for i, t in enumerate(tokens) if t == head]
        slots = FAMILY_MAX - len(family & heard)
        if not starts or slots <= 0:  # the head heard by pinyin or fuzzily: nothing says which
            return set()

        def score(key: str, run: str) -> float:  # another version counts for half
            return fuzz.ratio(key, run) * (0.5 if _other_version(key, run) else 1.0)

        def closeness(member: str) -> float:
            n = len(_HEARD_WORDS.findall(member))  # the head and the words after it (± 1)
            runs = {"".join(tokens[i : i + m]) for i in starts for m in range(max(2, n - 1), n + 2)}
            return max((score(k, r) for k in self.keys[member][0] for r in runs), default=0.0)

        return set(sorted(family - heard, key=lambda m: (-closeness(m), m))[:slots])

    def _tokens_of(self, term: str) -> int:
        """Tokens ``" " + term`` adds. Whisper's byte-level BPE splits text at spaces before it
        merges, so the tokens of space-joined terms are the sum of each term's (beside the
        special tokens a tokenizer may add once: ``self._overhead``)."""
        n = self._term_tokens.get(term)
        if n is None:
            n = self._term_tokens[term] = self.count(" " + term) - self._overhead
        return n

    def _spelling(self, term: str, latin: bool) -> str:
        """``term`` as the prompt writes it: in a batch of a language without Chinese script
        (``latin``), a Chinese-named term by its first Latin form (谷歌 -> Google, 数据中心 ->
        data center), "" when it has none. Its Chinese name in an English prompt only asks
        the decoder for Chinese characters, and costs several tokens a character."""
        if not latin:
            return term
        spelt = self.latin_form.get(term.casefold(), "") if has_cjk(term) else term
        if term.casefold() in self.common_nouns and _PLAIN_WORDS.fullmatch(spelt):
            return ""  # "data center", "Token": English the decoder knows; it would only copy the style
        return spelt

    def _within_budget(
        self, names: set[str], fill: bool = False, latin: bool = False
    ) -> list[tuple[str, str]]:
        """``(name, spelling)`` of the terms chosen, counted as spelt (see :meth:`_spelling`)."""
        chosen: list[tuple[str, str]] = []
        taken: set[str] = set()
        used = self._overhead

        def take(term: str, limit: int) -> None:
            nonlocal used
            spelt = self._spelling(term, latin)
            if spelt and spelt.casefold() not in taken and used + self._tokens_of(spelt) <= limit:
                chosen.append((term, spelt))
                taken.add(spelt.casefold())
                used += self._tokens_of(spelt)

        for term in self.ranked:  # the named and heard terms first, in rank order
            if term.casefold() in names:
                take(term, self.budget)
        if fill:  # then the glossary's ranking, as far as the fill budget goes
            limit = min(self.budget, max(self.fill_budget, used))
            for term in self.ranked:
                take(term, limit)
        return chosen

    def __call__(self, text: str = "", language: str | None = None) -> str | None:
        """The hotwords for a batch whose first look printed ``text``. A batch in the
        glossary's own language (``language`` starting with one of ``fill_languages``) gets
        the rest of the budget filled with the glossary's top terms after the named and heard
        ones; any other only the named and heard ones."""
        self.batches += 1
        names = self.context_terms | self.noted | (self.heard(text) if text else set())
        chosen = self._within_budget(names, fill=self._fills(language), latin=self._latin(language))
        self.chosen.extend(t for t, _ in chosen if t not in self.chosen)
        spelt = [s for _, s in chosen]
        log.debug("hotwords for a look of %d chars (%s): %s", len(text or ""), language, spelt)
        return " ".join(spelt) or None

    def wants_look(self, language: str | None) -> bool:
        """Whether the next batch, in ``language``, gets a greedy first look (see
        :data:`LOOK_MODES`). "First" is the episode's first batch, however many pipelines
        (10-minute blocks) decode it; a batch of unknown language counts as unfilled."""
        first = self.batches == 0
        if self.look == "every":
            return True
        if self.look == "first":
            return first
        if self.look == "auto":
            return first and not self._fills(language)
        return False

    def _fills(self, language: str | None) -> bool:
        return self.fill_budget > 0 and bool(language and language.lower().startswith(self.fill_languages))

    def all_chosen_terms(self, language: str | None = None) -> list[str]:
        """Every term chosen so far, within the budget, spelt for ``language`` (the prompt of
        the repairs' re-decodes)."""
        names = {t.casefold() for t in self.chosen}
        return [s for _, s in self._within_budget(names, latin=self._latin(language))]

    def all_chosen(self, language: str | None = None) -> str | None:
        """:meth:`all_chosen_terms` as one hotwords string (None when there are none)."""
        return " ".join(self.all_chosen_terms(language)) or None

    def _latin(self, language: str | None) -> bool:
        """Whether a batch in ``language`` is prompted with terms' Latin forms: a language not
        written in Chinese characters; the language unknown, an episode whose title and
        description have no Chinese."""
        return not is_cjk_language(language) if language else self.english_context
