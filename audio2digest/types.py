"""The records that pass between stages. Plain frozen dataclasses, JSON round-trippable.

Every record has ``to_dict()`` and a ``from_dict()`` classmethod; the JSON files
audio2digest writes (``transcript.json``, ``digest.json``) are these dicts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any

TRANSCRIPT_SCHEMA = "audio2digest/transcript@1"
DIGEST_SCHEMA = "audio2digest/digest@1"

ITEM_KINDS = ("news", "intro", "outro")


def _from_dict(cls, data: dict):
    """Build ``cls`` from ``data``, ignoring unknown keys (forward compatible)."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


class RecordError(ValueError):
    """A JSON record (digest.json, ...) has a field of the wrong type; names the field."""


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        dict: "an object",
        list: "a list",
        tuple: "a list",
    }.get(type(value), type(value).__name__)


def _check_value(kind: str, value: Any, where: str) -> None:
    """Check ``value`` against a field annotation of this module (as written: "str",
    "float | None", "Optional[float]", "tuple[Entity, ...]", ...)."""
    optional = None
    if kind.startswith("Optional["):
        optional = kind[len("Optional[") : -1]
    elif kind.endswith(" | None"):
        optional = kind[: -len(" | None")]
    elif kind.startswith("None | "):
        optional = kind[len("None | ") :]
    if optional is not None:
        if value is None:
            return
        kind = optional
    if kind == "str":
        ok, want = isinstance(value, str), "a string"
    elif kind == "int":
        ok, want = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        want = "a finite number"
    elif kind == "bool":
        ok, want = isinstance(value, bool), "true or false"
    elif kind.startswith("tuple[") and kind.endswith(", ...]"):
        if not isinstance(value, (list, tuple)):
            raise RecordError(f"{where}: expected a list, got {_type_name(value)}")
        inner = kind[len("tuple[") : -len(", ...]")]
        for i, v in enumerate(value):
            _check_value(inner, v, f"{where}[{i}]")
        return
    elif kind in _RECORDS:
        validate_record(_RECORDS[kind], value, where)
        return
    else:  # a type this validator does not know: leave it to from_dict
        return
    if not ok:
        raise RecordError(
            f"{where}: expected {want}, got {_type_name(value)}"
            + (f" {value!r}" if isinstance(value, (str, int, float)) and len(repr(value)) < 40 else "")
        )


def validate_record(cls, data: Any, where: str) -> None:
    """Raise :class:`RecordError` naming the first field of ``data`` that does not fit
    ``cls`` (a record dataclass of this module): a missing required field or a wrong type.
    Unknown keys are allowed (forward compatible)."""
    if not isinstance(data, dict):
        raise RecordError(f"{where}: expected an object, got {_type_name(data)}")
    for f in fields(cls):
        if f.name not in data:
            if f.default is MISSING and f.default_factory is MISSING:  # type: ignore[misc]
                raise RecordError(f"{where}.{f.name}: missing")
            continue
        _check_value(str(f.type), data[f.name], f"{where}.{f.name}")


@dataclass(frozen=True)
class Word:
    """One recognised word (for Chinese usually one or two characters) with its times."""

    start: float
    end: float
    word: str
    probability: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Word:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Segment:
    """One decoded segment: text, times, words, and the decoder's confidence figures."""

    id: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    compression_ratio: float = 0.0
    no_speech_prob: float = 0.0
    speaker: str = ""  # who speaks, when a publisher's transcript says so ("" = unknown)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["words"] = [w.to_dict() for w in self.words]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Segment:
        data = dict(data)
        data["words"] = tuple(Word.from_dict(w) for w in data.get("words", ()))
        return _from_dict(cls, data)


@dataclass(frozen=True)
class EpisodeMeta:
    """What we know about an episode's source. Every field but ``source`` may be empty."""

    source: str  # what the user gave: a path or URL
    title: str = ""
    date: str = ""  # ISO 8601 date (YYYY-MM-DD) when known
    uploader: str = ""  # channel / show / author
    webpage_url: str = ""
    description: str = ""
    duration: float = 0.0
    audio_url: str = ""  # direct media URL, for players (e.g. an RSS enclosure)
    id: str = ""  # the feed item's GUID, the video's id, or the file's stem
    source_language: str = ""  # the language the source declares (RSS <language>, yt-dlp)
    # Transcripts the publisher links to, best source of text there is: each
    # {"url", "type" (MIME), "language", "origin": "publisher" | "captions", "rel"?, "automatic"?}
    transcripts: tuple[dict, ...] = ()
    # The feed item's own enclosure {"url", "type", "length"} and <guid isPermaLink> value,
    # kept so a feed we publish points at the same media under the same GUID.
    enclosure: dict = field(default_factory=dict)
    guid_permalink: str = ""
    # ISO 8601 date-time with its UTC offset ("2026-11-08T08:00:00-05:00") when the source
    # gave a time (RSS pubDate, Atom published, yt-dlp timestamp); ``date`` is its day.
    published: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["transcripts"] = [dict(t) for t in self.transcripts]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> EpisodeMeta:
        data = dict(data)
        links = data.get("transcripts") or ()
        data["transcripts"] = tuple(
            dict(t) for t in links if isinstance(t, dict) and isinstance(t.get("url"), str)
        )
        if not isinstance(data.get("enclosure"), dict):
            data["enclosure"] = {}
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Correction:
    """One glossary change. ``start``/``end`` are character offsets into the corrected text
    of segment ``segment`` (or of the whole text for plain-text correction; then
    ``segment`` is -1)."""

    start: int
    end: int
    before: str
    after: str
    term: str
    score: float
    rule: str
    segment: int = -1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Correction:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Repair:
    """One automatic repair made during transcription (a loop re-decoded, a gap filled)."""

    kind: str  # "loop" | "collapse" | "gap" | "dropout" | "silence" (see repair.py)
    start: float
    end: float
    before: str
    after: str
    detail: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Repair:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Transcript:
    """A whole episode's transcript. ``segments`` carry the (normalised, corrected) text."""

    episode: EpisodeMeta
    language: str
    segments: tuple[Segment, ...]
    duration: float = 0.0
    model: str = ""
    settings: dict = field(default_factory=dict)
    corrections: tuple[Correction, ...] = ()
    repairs: tuple[Repair, ...] = ()
    # Where the text came from: {"kind": "asr"} or {"kind": "publisher" | "captions", "url",
    # "type", "language", "timed": bool}; empty for transcripts made before this was recorded.
    origin: dict = field(default_factory=dict)

    @property
    def timed(self) -> bool:
        """False for a transcript from text without times (an HTML or plain-text transcript)."""
        return self.origin.get("timed", True) is not False

    @property
    def text(self) -> str:
        """All segment texts joined (no separator for Chinese, a space otherwise)."""
        sep = "" if self.language.startswith("zh") or self.language in ("ja", "yue") else " "
        return sep.join(s.text.strip() for s in self.segments if s.text.strip())

    def to_dict(self) -> dict:
        return {
            "schema": TRANSCRIPT_SCHEMA,
            "episode": self.episode.to_dict(),
            "language": self.language,
            "duration": self.duration,
            "model": self.model,
            "settings": dict(self.settings),
            "segments": [s.to_dict() for s in self.segments],
            "corrections": [c.to_dict() for c in self.corrections],
            "repairs": [r.to_dict() for r in self.repairs],
            "origin": dict(self.origin),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Transcript:
        schema = data.get("schema", TRANSCRIPT_SCHEMA)
        if not str(schema).startswith("audio2digest/transcript@"):
            raise ValueError(f"not a transcript (schema {schema!r})")
        validate_transcript(data)
        return cls(
            episode=EpisodeMeta.from_dict(data.get("episode") or {"source": ""}),
            language=data.get("language", ""),
            segments=tuple(Segment.from_dict(s) for s in data.get("segments", ())),
            duration=float(data.get("duration") or 0.0),
            model=data.get("model", ""),
            settings=dict(data.get("settings") or {}),
            corrections=tuple(Correction.from_dict(c) for c in data.get("corrections", ())),
            repairs=tuple(Repair.from_dict(r) for r in data.get("repairs", ())),
            origin=dict(data.get("origin") or {}) if isinstance(data.get("origin") or {}, dict) else {},
        )

    def replace(self, **changes: Any) -> Transcript:
        return replace(self, **changes)


@dataclass(frozen=True)
class Entity:
    term: str
    category: str = ""
    org: str = ""  # the organisation a product or model belongs to ("" when none is known)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Entity:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Item:
    """One news item (or the intro/outro) of an episode."""

    index: int
    kind: str  # one of ITEM_KINDS
    title: str
    summary: str
    text: str
    start: float | None = None
    end: float | None = None
    entities: tuple[Entity, ...] = ()
    category: str = ""
    keywords: tuple[str, ...] = ()
    # Written by an LLM writer (audio2digest.llm); empty in an extractive digest, and then
    # left out of to_dict() so extractive digest.json files keep their shape.
    details: tuple[str, ...] = ()  # 内容详解 points
    analysis: dict = field(default_factory=dict)  # what / why / impact / advice
    extractive: dict = field(default_factory=dict)  # the extractive title/summary replaced

    def to_dict(self) -> dict:
        d = asdict(self)
        d["entities"] = [e.to_dict() for e in self.entities]
        d["keywords"] = list(self.keywords)
        d["details"] = list(self.details)
        for key in ("details", "analysis", "extractive"):
            if not d[key]:
                del d[key]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Item:
        data = dict(data)
        data["entities"] = tuple(Entity.from_dict(e) for e in data.get("entities", ()))
        data["keywords"] = tuple(data.get("keywords", ()))
        data["details"] = tuple(str(x) for x in data.get("details") or ())
        for key in ("analysis", "extractive"):
            v = data.get(key)
            data[key] = {str(k): str(x) for k, x in v.items()} if isinstance(v, dict) else {}
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Digest:
    """An episode's digest: its metadata and items. Serialises to ``digest.json``."""

    episode: EpisodeMeta
    language: str
    items: tuple[Item, ...]
    duration: float = 0.0
    corrections: tuple[Correction, ...] = ()
    model: str = ""
    # Set by an LLM writer (audio2digest.llm) and written only when set: the episode summary
    # and trends (the reduce step), who wrote it (endpoint, model, totals; never a key), and
    # every LLM field that was rejected with its reason.
    summary: str = ""
    trends: tuple[str, ...] = ()
    writer: dict = field(default_factory=dict)
    rejections: tuple[dict, ...] = ()

    def to_dict(self) -> dict:
        ep = self.episode.to_dict()
        ep["duration"] = self.duration or ep.get("duration", 0.0)
        ep["language"] = self.language
        ep["model"] = self.model
        d = {
            "schema": DIGEST_SCHEMA,
            "episode": ep,
            "items": [i.to_dict() for i in self.items],
            "corrections": [c.to_dict() for c in self.corrections],
        }
        if self.summary:
            d["summary"] = self.summary
        if self.trends:
            d["trends"] = list(self.trends)
        if self.writer:
            d["writer"] = dict(self.writer)
            d["rejections"] = [dict(r) for r in self.rejections]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Digest:
        """Build a digest from its JSON; the whole record is validated first, so a wrong
        field raises :class:`RecordError` naming it ("items[2].start: expected a finite
        number, got a string '12'") before anything uses it."""
        validate_digest(data)
        ep = dict(data.get("episode") or {})
        return cls(
            episode=EpisodeMeta.from_dict({"source": "", **ep}),
            language=ep.get("language", ""),
            items=tuple(Item.from_dict(i) for i in data.get("items", ())),
            duration=float(ep.get("duration") or 0.0),
            corrections=tuple(Correction.from_dict(c) for c in data.get("corrections", ())),
            model=ep.get("model", ""),
            summary=str(data.get("summary") or ""),
            trends=tuple(str(t) for t in data.get("trends") or ()),
            writer=dict(data["writer"]) if isinstance(data.get("writer"), dict) else {},
            rejections=tuple(dict(r) for r in data.get("rejections") or () if isinstance(r, dict)),
        )

    def replace(self, **changes: Any) -> Digest:
        return replace(self, **changes)


_RECORDS: dict[str, type] = {
    "Entity": Entity,
    "Item": Item,
    "Correction": Correction,
    "EpisodeMeta": EpisodeMeta,
    "Segment": Segment,
    "Word": Word,
    "Repair": Repair,
}


def _validate_common(data: dict, lists: tuple[tuple[str, type], ...]) -> None:
    ep = data.get("episode")
    if ep is not None:
        if not isinstance(ep, dict):
            raise RecordError(f"episode: expected an object, got {_type_name(ep)}")
        validate_record(EpisodeMeta, {"source": "", **ep}, "episode")
    for key, cls in lists:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise RecordError(f"{key}: expected a list, got {_type_name(value)}")
        for i, v in enumerate(value):
            validate_record(cls, v, f"{key}[{i}]")


def validate_transcript(data: Any) -> None:
    """Check a transcript.json's structure and field types (see :func:`validate_record`)."""
    if not isinstance(data, dict):
        raise RecordError(f"expected an object, got {_type_name(data)}")
    _validate_common(data, (("segments", Segment), ("corrections", Correction), ("repairs", Repair)))
    for key, kind in (("language", "str"), ("model", "str"), ("duration", "Optional[float]")):
        if key in data:
            _check_value(kind, data[key], key)
    if "settings" in data and not isinstance(data["settings"], (dict, type(None))):
        raise RecordError(f"settings: expected an object, got {_type_name(data['settings'])}")


def validate_digest(data: Any) -> None:
    """Check a digest.json's whole structure and every field's type (see :func:`validate_record`)."""
    if not isinstance(data, dict):
        raise RecordError(f"expected an object, got {_type_name(data)}")
    schema = data.get("schema", "")
    if not str(schema).startswith("audio2digest/digest@"):
        raise RecordError(f"not a digest (schema {schema!r})")
    _validate_common(data, (("items", Item), ("corrections", Correction)))
    ep = data.get("episode") or {}
    for key, kind in (("language", "str"), ("model", "str"), ("duration", "Optional[float]")):
        if key in ep:
            _check_value(kind, ep[key], f"episode.{key}")
    for key, kind in (("summary", "str"), ("trends", "tuple[str, ...]")):  # an LLM writer's
        if key in data:
            _check_value(kind, data[key], key)
    for key in ("writer", "rejections"):
        value = data.get(key)
        if key in data and not (
            isinstance(value, dict)
            if key == "writer"
            else isinstance(value, list) and all(isinstance(r, dict) for r in value)
        ):
            raise RecordError(
                f"{key}: expected {'an object' if key == 'writer' else 'a list of objects'}, "
                f"got {_type_name(value)}"
            )
    for i, v in enumerate(data.get("items", [])):
        for key in ("analysis", "extractive"):
            value = v.get(key, {})
            if not isinstance(value, dict) or not all(isinstance(x, str) for x in value.values()):
                raise RecordError(f"items[{i}].{key}: expected an object of strings, got {_type_name(value)}")
        if v["kind"] not in ITEM_KINDS:
            raise RecordError(f"items[{i}].kind: expected one of {', '.join(ITEM_KINDS)}, got {v['kind']!r}")
        start, end = v.get("start"), v.get("end")
        if (
            (start is not None and start < 0)
            or (end is not None and end < 0)
            or (start is not None and end is not None and end < start)
        ):
            raise RecordError(f"items[{i}]: start/end must be >= 0 and start <= end (got {start!r}, {end!r})")


@dataclass(frozen=True)
class Progress:
    """A progress report from library code. ``total`` 0 means unknown."""

    stage: str  # "fetch", "transcribe", "correct", "segment", "render", ...
    done: float
    total: float = 0.0
    message: str = ""
    episode: str = ""


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """The default progress callback: ignore."""


#: Seconds two records' durations may differ by and still be one episode's (rounding).
SAME_EPISODE_SECONDS = 1.0


def same_episode(digest: Digest, transcript: Transcript) -> bool:
    """Whether ``transcript`` can be of ``digest``'s episode: the same source, or (the files
    moved since) the same duration; a record that names neither cannot be told apart."""
    a, b = digest.episode.source, transcript.episode.source
    if not a or not b or a == b:
        return True
    da, db = digest.duration or digest.episode.duration, transcript.duration or transcript.episode.duration
    return not (da and db) or abs(da - db) <= SAME_EPISODE_SECONDS
