"""Glossaries: the names a digest is about, loaded from YAML or plain text.

A glossary is a list of :class:`Term` entries. Each entry has one canonical ``term``
(the form written into the transcript), optional ``variants`` (other correct forms of
the same thing, usually in the other script: ``智谱`` / ``Zhipu AI``), optional
``aliases`` (known wrong or informal forms that are always replaced by the term), a
``category``, an optional ``never`` list (spans of text that must never be replaced
by this term), an optional ``context`` list (words that, when near, are evidence that
this term was meant), a ``hotword`` flag and a ``priority`` for ASR biasing.

The format is documented in ``glossary/README.md``. Errors name the file and line;
problems that do not stop loading (a term shorter than two characters, an alias that
shadows another term) are logged as warnings and kept in :attr:`Glossary.warnings`.

The bundled glossary lives in ``glossary/ai-news.yaml`` at the top of the repository
(where users read and extend it); :func:`default_glossary_path` finds it there for a
source checkout / editable install. ``audio2digest/data/ai-news.yaml`` is a symlink to
it, which setuptools copies as package data, so a normal install finds it there.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from audio2digest.errors import GlossaryError
from audio2digest.text.language import has_cjk
from audio2digest.text.reader import (  # noqa: F401  (re-exported: glossary users read text too)
    TextRepair,
    decode_utf8,
    looks_like_mojibake,
    mojibake_line,
    read_text_file,
    read_text_input,
    repair_mojibake,
)

log = logging.getLogger("audio2digest.text.glossary")

CATEGORIES = ("org", "model", "product", "person", "concept", "place", "event", "other")

#: How strongly each category is preferred as an ASR hotword (higher first).
CATEGORY_PRIORITY = {
    "org": 5,
    "model": 4,
    "product": 4,
    "person": 3,
    "concept": 2,
    "place": 1,
    "event": 1,
    "other": 0,
    "": 0,
}

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    term: str
    category: str = ""
    aliases: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    hotword: bool = True
    priority: int = 0
    source: str = ""
    line: int = 0
    #: The entry only names the term (a plain-text line, aliases allowed; a bare YAML term):
    #: over an equal term or variant of an earlier glossary's entry it adds its aliases and
    #: keeps that entry's other fields, instead of replacing it (:func:`merge_glossaries`).
    names_only: bool = False

    @property
    def forms(self) -> tuple[str, ...]:
        """Every correct form of this entry: the term, then its variants."""
        return (self.term,) + tuple(v for v in self.variants if v != self.term)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.source else "<glossary>"


def named_in(form: str, context: str) -> bool:
    """Whether ``form`` occurs in ``context`` (both compared casefolded) as a name: an end of
    the form that is a letter or digit may not continue a word or number of the context
    ("v0" is not named by "dev01", "AI" not by "said", "Claude 3" not by "Claude 3.5"); a
    Chinese character needs no edge (Chinese has no spaces)."""
    f = form.casefold().strip()
    if not f:
        return False
    ctx = context.casefold()

    def wordy(c: str) -> bool:
        return c.isalnum() and not has_cjk(c)

    start = 0
    while (i := ctx.find(f, start)) >= 0:
        before = ctx[i - 1] if i > 0 else ""
        after = ctx[i + len(f) : i + len(f) + 2]
        left_ok = not (wordy(f[0]) and wordy(before))
        right_ok = not (wordy(f[-1]) and after[:1] and wordy(after[0]))
        if right_ok and f[-1].isdigit() and after[:1] == "." and after[1:2].isdigit():
            right_ok = False  # a version goes on: "GPT-5" in "GPT-5.1"
        if left_ok and right_ok:
            return True
        start = i + 1
    return False


@dataclass(frozen=True)
class GlossaryIssue:
    """A problem found while loading: ``severity`` is "error" or "warning"."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        loc = f"{self.path}:{self.line}" if self.line else self.path
        return f"{loc}: {self.message}"


@dataclass(frozen=True, eq=False)
class Glossary:
    """A loaded glossary: terms in file order (later files override earlier ones)."""

    terms: tuple[Term, ...]
    never: tuple[str, ...] = ()  # spans never replaced by any term
    sources: tuple[str, ...] = ()
    warnings: tuple[GlossaryIssue, ...] = field(default=(), compare=False)

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self):
        return iter(self.terms)

    def get(self, term: str) -> Term | None:
        for t in self.terms:
            if t.term == term:
                return t
        return None

    def hotword_terms(
        self, context: str = "", limit: int | None = None, *, include_variants: bool = False
    ) -> list[Term]:
        """Terms to pass to the recogniser as hotwords, best first.

        Only entries with ``hotword`` true. Terms (or variants) named in ``context`` (as whole
        words, :func:`named_in`)
        (e.g. the episode's title and description) come first, then higher ``priority``,
        then the category's weight (:data:`CATEGORY_PRIORITY`), then file order.
        The caller turns them into a hotword string within its token budget
        (``include_variants`` is informational: use ``t.forms`` for every form).
        """
        ctx = context.casefold()

        def in_context(t: Term) -> bool:
            return bool(ctx) and any(named_in(f, ctx) for f in t.forms)

        ranked = sorted(
            (t for t in self.terms if t.hotword),
            key=lambda t: (
                not in_context(t),
                -t.priority,
                -CATEGORY_PRIORITY.get(t.category, 0),
            ),
        )
        return ranked if limit is None else ranked[:limit]

    def merged(self, other: Glossary) -> Glossary:
        """This glossary with ``other``'s entries added; ``other`` wins on equal terms
        (see :func:`merge_glossaries`)."""
        return merge_glossaries([self, other])


# --------------------------------------------------------------------------- reading


def read_input_text(path: PathLike | None, data: bytes | None = None) -> tuple[str, list[str]]:
    """Read a text input for correction: see :func:`audio2digest.text.reader.read_text_input`.

    Returns ``(text, notes)``; notes describe repairs made."""
    got = read_text_input("-" if path in (None, "-") else path, data=data)
    return got.text, list(got.notes)


# --------------------------------------------------------------------------- parsing

_KNOWN_KEYS = {
    "term",
    "aliases",
    "alias",
    "variants",
    "category",
    "never",
    "context",
    "hotword",
    "priority",
    "note",
    "notes",
    "url",
}
#: Top-level keys of a YAML glossary that carry no terms.
_TOP_KEYS = ("name", "version", "description", "language", "meta")
#: A first line that opens a YAML glossary mapping, flow value or not ("terms: [智谱]").
_TOP_LINE_RE = re.compile(r"^(?:terms|entries|never|" + "|".join(_TOP_KEYS) + r")\s*:(?:\s|$)")
#: Keys of a YAML entry that only names its term (the rest is commentary).
_NAME_ONLY_KEYS = {"term", "note", "notes", "url"}


def _clean(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip()


def _as_list(value, path: str, line: int, key: str, issues: list) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        value = [value]
    if not isinstance(value, list):
        issues.append(GlossaryIssue(path, line, f"'{key}' must be a string or a list of strings"))
        return []
    out = []
    for v in value:
        if isinstance(v, (str, int, float)) and not isinstance(v, bool):
            s = _clean(str(v))
            if s:
                out.append(s)
        else:
            issues.append(GlossaryIssue(path, line, f"'{key}' entries must be strings, got {v!r}"))
    return out


def _parse_yaml(text: str, path: str, issues: list) -> tuple[list[tuple[dict, int]], list[str]]:
    """Parse YAML into (entry dict, line) pairs plus a file-level never list."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "syntax error"
        hint = " (check the indentation)" if "indent" in problem or "mapping" in problem else ""
        raise GlossaryError(f"{path}:{line}: invalid YAML: {problem}{hint}") from exc
    except yaml.YAMLError as exc:
        raise GlossaryError(f"{path}: invalid YAML: {exc}") from exc
    if root is None:
        return [], []
    constructor = yaml.SafeLoader("")

    def value(node):
        return constructor.construct_object(node, deep=True)

    never: list[str] = []
    has_never = False
    entries_node = root
    if isinstance(root, yaml.MappingNode):
        entries_node = None
        for knode, vnode in root.value:
            key = value(knode)
            if key in ("terms", "entries"):
                entries_node = vnode
            elif key == "never":
                has_never = True
                never = _as_list(value(vnode), path, vnode.start_mark.line + 1, "never", issues)
            elif key in _TOP_KEYS:
                pass
            else:
                issues.append(
                    GlossaryIssue(
                        path,
                        knode.start_mark.line + 1,
                        f"unknown top-level key {key!r} (expected terms, never, name, description)",
                        "warning",
                    )
                )
        if entries_node is None:
            if has_never:  # a file of spans to protect only, as `terms: []` plus `never:` is
                return [], never
            raise GlossaryError(f"{path}:1: a glossary mapping needs a 'terms:' or 'never:' list")
    if not isinstance(entries_node, yaml.SequenceNode):
        raise GlossaryError(
            f"{path}:{entries_node.start_mark.line + 1}: expected a list of terms (lines starting with '- ')"
        )
    out = []
    for node in entries_node.value:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            v = value(node)
            out.append(({"term": "" if v is None else str(v)}, line))
        elif isinstance(node, yaml.MappingNode):
            d = value(node)
            if not isinstance(d, dict):
                issues.append(GlossaryIssue(path, line, "entry is not a mapping"))
                continue
            out.append((d, line))
        else:
            issues.append(GlossaryIssue(path, line, "entry must be a term or a mapping with 'term:'"))
    return out, never


#: A comment starts at "#" at the line start or after whitespace, so C# and F# stay terms.
_COMMENT_RE = re.compile(r"(?:^|(?<=\s))#")


def _parse_plain(text: str, path: str) -> list[tuple[dict, int]]:
    out = []
    for i, raw in enumerate(text.split("\n"), 1):
        line = _COMMENT_RE.split(raw, maxsplit=1)[0]
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        out.append(({"term": parts[0], "aliases": [p for p in parts[1:] if p]}, i))
    return out


def _is_yaml_path(path: str, text: str) -> bool:
    # JSON is YAML: read as plain text, a JSON list became one bogus term per line, silently.
    if path.lower().endswith((".yaml", ".yml", ".json")):
        return True
    if path.lower().endswith(".txt"):
        return False
    first = next((ln for ln in text.split("\n") if ln.strip() and not ln.lstrip().startswith("#")), "")
    return (
        first.lstrip().startswith(("- ", "{", "["))
        or first.rstrip().endswith(":")
        or bool(_TOP_LINE_RE.match(first))
    )


def parse_glossary_text(text: str, path: str = "<glossary>", *, fmt: str | None = None) -> Glossary:
    """Parse glossary source text. ``fmt`` is "yaml", "text" or None (guess from name)."""
    issues: list[GlossaryIssue] = []
    line = mojibake_line(text)
    if line:
        rep = repair_mojibake(text)
        hint = ""
        if not rep.lossy:
            bad = text.split("\n")[line - 1].strip()
            good = rep.text.split("\n")[line - 1].strip()
            hint = f" ({bad[:30]!r} should probably read {good[:30]!r})"
        raise GlossaryError(
            f"{path}:{line}: looks like mojibake (UTF-8 decoded as cp1252){hint}; re-save the file as UTF-8"
        )
    use_yaml = (fmt == "yaml") if fmt else _is_yaml_path(path, text)
    never: list[str] = []
    if use_yaml:
        raw_entries, never = _parse_yaml(text, path, issues)
    else:
        raw_entries = _parse_plain(text, path)

    terms: list[Term] = []
    seen: dict[str, int] = {}
    for d, line in raw_entries:
        unknown = [k for k in d if k not in _KNOWN_KEYS]
        if unknown:
            issues.append(
                GlossaryIssue(
                    path,
                    line,
                    f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                    f"(expected one of: {', '.join(sorted(_KNOWN_KEYS))})",
                    "warning",
                )
            )
        t = d.get("term")
        if t is None or (isinstance(t, str) and not t.strip()):
            issues.append(GlossaryIssue(path, line, "empty term"))
            continue
        if not isinstance(t, (str, int, float)) or isinstance(t, bool):
            issues.append(GlossaryIssue(path, line, f"term must be a string, got {t!r}"))
            continue
        term = _clean(str(t))
        if len(term) < 2:
            issues.append(
                GlossaryIssue(path, line, f"term {term!r} is shorter than 2 characters; skipped", "warning")
            )
            continue
        key = term.casefold()
        if key in seen:
            issues.append(
                GlossaryIssue(path, line, f"duplicate term {term!r} (first defined at line {seen[key]})")
            )
            continue
        seen[key] = line
        category = d.get("category") or ""
        if not isinstance(category, str):
            issues.append(GlossaryIssue(path, line, "category must be a string"))
            category = ""
        category = category.strip().lower()
        if category and category not in CATEGORIES:
            issues.append(
                GlossaryIssue(
                    path,
                    line,
                    f"unknown category {category!r} (expected one of: {', '.join(CATEGORIES)})",
                    "warning",
                )
            )
        aliases = _as_list(d.get("aliases", d.get("alias")), path, line, "aliases", issues)
        variants = _as_list(d.get("variants"), path, line, "variants", issues)
        kept_aliases = []
        for a in aliases:
            if len(a) < 2:
                issues.append(
                    GlossaryIssue(
                        path,
                        line,
                        f"alias {a!r} of {term!r} is shorter than 2 characters; skipped",
                        "warning",
                    )
                )
            elif a != term and a not in variants:
                kept_aliases.append(a)
        kept_variants = []
        for v in variants:
            if len(v) < 2:
                issues.append(
                    GlossaryIssue(
                        path,
                        line,
                        f"variant {v!r} of {term!r} is shorter than 2 characters; skipped",
                        "warning",
                    )
                )
            elif v != term:
                kept_variants.append(v)
        hot = d.get("hotword", True)
        if not isinstance(hot, bool):
            issues.append(GlossaryIssue(path, line, "hotword must be true or false"))
            hot = True
        prio = d.get("priority", 0)
        if not isinstance(prio, int) or isinstance(prio, bool):
            issues.append(GlossaryIssue(path, line, "priority must be an integer"))
            prio = 0
        # Plain text cannot set fields, so its lines only ever add to an equal earlier term.
        names_only = not use_yaml or set(d) <= _NAME_ONLY_KEYS
        terms.append(
            Term(
                term=term,
                category=category,
                aliases=tuple(dict.fromkeys(kept_aliases)),
                variants=tuple(dict.fromkeys(kept_variants)),
                never=tuple(_as_list(d.get("never"), path, line, "never", issues)),
                context=tuple(_as_list(d.get("context"), path, line, "context", issues)),
                hotword=hot,
                priority=prio,
                source=path,
                line=line,
                names_only=names_only,
            )
        )

    # Cross-entry checks: a form or alias claimed by two entries.
    owner: dict[str, Term] = {}
    for t in terms:
        for f in t.forms:
            k = f.casefold()
            if k in owner and owner[k] is not t:
                issues.append(
                    GlossaryIssue(
                        path,
                        t.line,
                        f"{f!r} is also a form of {owner[k].term!r} (line {owner[k].line})",
                        "warning",
                    )
                )
            owner.setdefault(k, t)
    for t in terms:
        for a in t.aliases:
            o = owner.get(a.casefold())
            if o is not None and o is not t:
                issues.append(
                    GlossaryIssue(
                        path,
                        t.line,
                        f"alias {a!r} of {t.term!r} is the correct form of {o.term!r} (line {o.line}); ignored",
                        "warning",
                    )
                )
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        more = (
            f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
            if len(errors) > 1
            else ""
        )
        raise GlossaryError(f"{errors[0]}{more}")
    warnings = tuple(i for i in issues if i.severity == "warning")
    for w in warnings:
        log.warning("%s", w)
    # Drop aliases that shadow another entry's correct form.
    cleaned = []
    for t in terms:
        shadowing = {a for a in t.aliases if (o := owner.get(a.casefold())) is not None and o is not t}
        cleaned.append(
            t
            if not shadowing
            else _replace_term(t, aliases=tuple(a for a in t.aliases if a not in shadowing))
        )
    return Glossary(terms=tuple(cleaned), never=tuple(never), sources=(path,), warnings=warnings)


def _replace_term(t: Term, **changes) -> Term:
    from dataclasses import replace

    return replace(t, **changes)


def read_glossary(path: PathLike) -> Glossary:
    """Read one glossary file (YAML or plain text)."""
    p = Path(path)
    name = str(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        raise GlossaryError(f"{name}: glossary file not found") from exc
    except OSError as exc:
        raise GlossaryError(f"{name}: cannot read glossary: {exc.strerror or exc}") from exc
    text = decode_utf8(raw, name, exc_class=GlossaryError)
    g = parse_glossary_text(text, name)
    if not g.terms and not g.never:
        # Valid but almost surely a mistake (the wrong file, every line commented out), and
        # otherwise silent: the run goes on without the names the user meant to add.
        log.warning("no terms in %s; it adds nothing to the glossary", name)
        issue = GlossaryIssue(name, 0, "no terms; it adds nothing to the glossary", "warning")
        g = Glossary(terms=(), sources=g.sources, warnings=(*g.warnings, issue))
    return g


def merge_glossaries(glossaries: Sequence[Glossary]) -> Glossary:
    """Combine glossaries in order; an entry of a later glossary replaces an equal term.

    A later entry that only names the term (:attr:`Term.names_only`: a plain-text line, a
    bare YAML term) is merged instead: the earlier entry keeps its category, variants,
    context and other fields, the later one's spelling of the term and its aliases are
    added. Such an entry that names an earlier entry's variant (``DeepSeek`` for 深度求索)
    adds to that entry the same way. An entry that sets any field replaces the earlier one
    whole. A form that two entries of different files claim is one warning naming both."""
    by_key: dict[str, Term] = {}
    # form (casefolded) -> term key of the entry that owns it, and the glossary it came from:
    # only entries of earlier glossaries are matched, the file's own were checked on parsing.
    form_owner: dict[str, tuple[str, int]] = {}
    alias_owner: dict[str, tuple[str, int]] = {}  # the same for aliases
    never: list[str] = []
    sources: list[str] = []
    warnings: list[GlossaryIssue] = []

    def own(key: str, t: Term, gi: int) -> None:
        for f in t.forms:
            form_owner.setdefault(f.casefold(), (key, gi))

    def disown(key: str) -> None:
        for owners in (form_owner, alias_owner):
            for f in [f for f, (k, _) in owners.items() if k == key]:
                del owners[f]

    def warn(at: Term, message: str) -> None:
        issue = GlossaryIssue(at.source or "<glossary>", at.line, message, "warning")
        log.warning("%s", issue)
        warnings.append(issue)

    def check_aliases(at: Term, key: str, aliases: Sequence[str], gi: int) -> None:
        """Warn (at ``at``'s line) of an alias of entry ``key`` that is a form of an earlier
        file's other entry: a form is never corrected, so such an alias changes nothing."""
        for a in aliases:
            alias_owner.setdefault(a.casefold(), (key, gi))
            o = form_owner.get(a.casefold())
            if o is not None and o[1] < gi and o[0] != key:
                other = by_key[o[0]]
                warn(
                    at,
                    f"alias {a!r} of {by_key.get(key, at).term!r} is a form of {other.term!r} "
                    f"({other.where}); a form is never corrected, so the alias changes nothing",
                )

    def check_forms(t: Term, key: str, gi: int) -> None:
        """Warn of a form of ``t`` that an earlier file's other entry has as an alias."""
        for f in t.forms:
            o = alias_owner.get(f.casefold())
            if o is not None and o[1] < gi and o[0] != key and o[0] in by_key:
                other = by_key[o[0]]
                warn(
                    t,
                    f"{f!r} is an alias of {other.term!r} ({other.where}); as a form of "
                    f"{t.term!r} it is never corrected, so that alias changes nothing",
                )

    for gi, g in enumerate(glossaries):
        warnings.extend(g.warnings)
        for t in g.terms:
            k = t.term.casefold()
            old = by_key.get(k)
            if old is not None and t.names_only:
                log.info("%s: %r adds to the entry from %s", t.where, t.term, old.where)
                added = tuple(a for a in t.aliases if a not in old.forms)
                check_aliases(t, k, added, gi)
                by_key[k] = _replace_term(old, term=t.term, aliases=tuple(dict.fromkeys(old.aliases + added)))
                continue
            owner = form_owner.get(k)
            if old is None and t.names_only and owner is not None and owner[1] < gi:
                host = by_key[owner[0]]
                log.info("%s: %r adds to the entry %r from %s", t.where, t.term, host.term, host.where)
                # the later file's spelling of the variant wins, as it does for a term
                variants = host.variants
                if t.term not in host.forms:
                    i = next(i for i, v in enumerate(variants) if v.casefold() == k)
                    variants = variants[:i] + (t.term,) + variants[i + 1 :]
                added = tuple(a for a in t.aliases if a not in host.forms and a != t.term)
                check_aliases(t, owner[0], added, gi)
                by_key[owner[0]] = _replace_term(
                    host, variants=variants, aliases=tuple(dict.fromkeys(host.aliases + added))
                )
                continue
            if old is not None:
                log.info("%s: %r overrides the entry from %s", t.where, t.term, old.where)
                del by_key[k]
                disown(k)
            clashes: dict[str, list[str]] = {}
            for f in t.forms:
                o = form_owner.get(f.casefold())
                if o is not None and o[1] < gi and o[0] != k:
                    clashes.setdefault(o[0], []).append(f)
            for ok, forms in clashes.items():
                other = by_key[ok]
                named = ", ".join(map(repr, forms)) + ("" if t.term in forms else f" (of {t.term!r})")
                one = len(forms) == 1
                warn(
                    t,
                    f"{named} {'is' if one else 'are'} also {'a form' if one else 'forms'} of "
                    f"{other.term!r} ({other.where}); both entries are kept",
                )
            check_aliases(t, k, t.aliases, gi)
            check_forms(t, k, gi)
            by_key[k] = t
            own(k, t, gi)
        never.extend(g.never)
        sources.extend(g.sources)
    return Glossary(
        terms=tuple(by_key.values()),
        never=tuple(dict.fromkeys(never)),
        sources=tuple(sources),
        warnings=tuple(warnings),
    )


def default_glossary_path() -> Path:
    """The bundled AI-news glossary.

    ``glossary/ai-news.yaml`` next to the package (a source checkout or ``pip install -e .``),
    else the copy in package data (``audio2digest/data/ai-news.yaml``). The environment
    variable ``AUDIO2DIGEST_GLOSSARY`` overrides both.
    """
    env = os.environ.get("AUDIO2DIGEST_GLOSSARY")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    candidates = [here.parents[1] / "glossary" / "ai-news.yaml", here.parent / "data" / "ai-news.yaml"]
    for c in candidates:
        if c.is_file():
            return c
    raise GlossaryError(
        "bundled glossary not found (looked in: " + ", ".join(str(c) for c in candidates) + ")"
    )


def load_glossary(paths: Iterable[PathLike] | None = None, use_default: bool = True) -> Glossary:
    """Load the bundled glossary (unless ``use_default`` is false) plus ``paths`` in order.

    Later files add to earlier ones; an entry whose term is already defined replaces it,
    unless it only names the term (see :func:`merge_glossaries`).
    """
    parts: list[Glossary] = []
    if use_default:
        parts.append(_read_cached(str(default_glossary_path())))
    for p in paths or ():
        parts.append(read_glossary(p))
    if not parts:
        return Glossary(terms=())
    if len(parts) == 1:
        return parts[0]
    return merge_glossaries(parts)


_CACHE: dict[str, tuple[float, int, Glossary]] = {}


def _read_cached(path: str) -> Glossary:
    """Read a glossary once per process (re-read when the file changes)."""
    try:
        st = os.stat(path)
    except OSError as exc:  # as read_glossary says it, before the cache lookup
        raise GlossaryError(f"{path}: cannot read glossary: {exc.strerror or exc}") from exc
    hit = _CACHE.get(path)
    if hit and hit[0] == st.st_mtime and hit[1] == st.st_size:
        return hit[2]
    g = read_glossary(path)
    _CACHE[path] = (st.st_mtime, st.st_size, g)
    return g


def glossary_from_terms(terms: Iterable[str | Term], *, category: str = "") -> Glossary:
    """A glossary built in code, e.g. ``glossary_from_terms(["智谱", "Qwen3-TTS"])``."""
    out = []
    for i, t in enumerate(terms, 1):
        if isinstance(t, Term):
            out.append(t)
        else:
            out.append(Term(term=_clean(t), category=category, source="<code>", line=i))
    return Glossary(terms=tuple(out), sources=("<code>",))
