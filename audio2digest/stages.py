"""The stage list: every step from a source to rendered files, declared once.

``run`` (:mod:`audio2digest.pipeline`) walks one episode through :data:`STAGES`;
``batch`` (:mod:`audio2digest.batch.scheduler`) schedules the same stages with a ledger.
Both write the same files into ``OUT/<slug>/``:

=========== ======================== ====================================================
stage       reads                    writes
=========== ======================== ====================================================
fetch       the source               ``source.json`` (+ ``audio.<ext>`` for URLs)
transcribe  the audio                (in memory: the decoder's transcript, not normalised)
normalise   the transcribe result    ``transcript.raw.json`` (the transcription cache)
correct     ``transcript.raw.json``  ``transcript.json`` (with every correction recorded)
segment     ``transcript.json``      (in memory: the news items)
digest      the items                ``digest.json``
render      ``digest.json``          ``digest.md``, ``transcript.srt``, ... (``--format``)
=========== ======================== ====================================================

A stage that writes nothing to disk hands its result to the next stage in memory, so the
two always run together (the scheduler never stops between them).

Each stage's fingerprint (:func:`fingerprints`) hashes the fingerprint of the stage before it
and the settings that change the stage's output; a stage whose fingerprint changed runs again,
with everything after it.

Extension points (what a stage receives, :class:`StageEnv`):

- ``transcriber``: the transcribe stage calls ``env.transcriber.transcribe(...)``. The default
  is :class:`WhisperTranscriber` (faster-whisper via :mod:`audio2digest.asr`). Another source
  of transcripts (publisher captions, a fake decoder in tests) is any object with a ``name``
  and that method; a ``name`` other than ``"asr"`` becomes part of the transcribe fingerprint.
- ``digest_writers``: functions ``(digest, transcript) -> Digest`` applied in order after the
  built-in digest (an LLM writer, say); their names join the digest fingerprint. A writer
  with a ``write_episode(digest, transcript, *, outdir, glossary, progress, label)`` method
  is called through it instead (the LLM writer caches its answers in the episode directory);
  one with a ``preflight()`` method is checked by ``run`` and ``batch`` before any audio is
  fetched (:func:`preflight`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from audio2digest.asr.transcribe import DECODE_REVISION, TranscribeOptions
from audio2digest.errors import FetchError, InputError
from audio2digest.files import atomic_write_json
from audio2digest.sources.fetch import DownloadOptions
from audio2digest.types import Digest, EpisodeMeta, Item, Progress, ProgressCallback, Transcript, no_progress

if TYPE_CHECKING:
    from audio2digest.text.glossary import Glossary

log = logging.getLogger("audio2digest.stages")

DEFAULT_FORMATS = ("json", "md", "srt", "vtt")
SOURCE_FILE = "source.json"
RAW_TRANSCRIPT = "transcript.raw.json"
TRANSCRIPT = "transcript.json"
DIGEST_FILE = "digest.json"

#: Progress stages besides the stage names: an episode finished, failed; a batch's overall count.
EPISODE_DONE = "done"
EPISODE_FAILED = "failed"
BATCH_PROGRESS = "batch"


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class RunOptions:
    """Everything that decides what the stages produce (and how much of a feed to take)."""

    transcribe: TranscribeOptions = TranscribeOptions()
    glossaries: tuple[str, ...] = ()
    use_default_glossary: bool = True
    hotwords: str = "auto"  # "auto": chosen from the glossary; "none"; or explicit terms
    formats: tuple[str, ...] = DEFAULT_FORMATS
    latest: int | None = None
    clips: bool = False
    force: bool = False  # re-transcribe even when a cached transcript matches
    # "auto": the publisher's transcript or subtitles when usable, else the transcriber;
    # "publisher": only those (fail without); "asr": always transcribe (sources/transcripts.py).
    transcript_source: str = "auto"
    allow_auto_captions: bool = False  # a platform's automatic captions count as subtitles
    download: DownloadOptions = DownloadOptions()  # stall and time limits of network reads
    style: str = "default"  # digest.md layout (audio2digest.render.md.STYLES)


# ---------------------------------------------------------------- what a stage receives


class Transcriber(Protocol):
    """Turns one episode's audio into a transcript (not yet normalised)."""

    @property
    def name(self) -> str:
        """Identifies the transcriber in the transcribe fingerprint ("asr": the default)."""
        ...

    def transcribe(
        self,
        audio: Path,
        meta: EpisodeMeta,
        options: RunOptions,
        glossary: Glossary | None,
        *,
        progress: ProgressCallback,
    ) -> Transcript: ...


DigestWriter = Callable[[Digest, Transcript], Digest]


@dataclass(frozen=True)
class WhisperTranscriber:
    """The default transcriber: faster-whisper with glossary hotwords, loop and gap repair."""

    name: str = "asr"

    def transcribe(
        self,
        audio: Path,
        meta: EpisodeMeta,
        options: RunOptions,
        glossary: Glossary | None,
        *,
        progress: ProgressCallback = no_progress,
    ) -> Transcript:
        from audio2digest.asr.transcribe import transcribe

        chooser = hotword_chooser(options, glossary, meta)
        if chooser is not None:
            return transcribe(
                audio, meta, options.transcribe, progress=progress, normalise=False, hotword_chooser=chooser
            )
        topts = replace(options.transcribe, hotwords=choose_hotwords(options))
        return transcribe(audio, meta, topts, progress=progress, normalise=False)


@dataclass(frozen=True)
class StageEnv:
    """What the stages of a run share: the glossary, the transcriber, optional digest writers."""

    glossary: Glossary | None = None
    transcriber: Transcriber = WhisperTranscriber()
    digest_writers: tuple[DigestWriter, ...] = ()


@dataclass
class Episode:
    """One episode on its way through the stages: where it goes and what is known so far."""

    meta: EpisodeMeta
    outdir: Path
    options: RunOptions
    label: str = ""
    audio: Path | None = None
    audio_sha256: str = ""
    transcript: Transcript | None = None  # the latest one (raw, normalised or corrected)
    items: tuple[Item, ...] | None = None
    digest: Digest | None = None
    cached: bool = False  # the transcript was reused from transcript.raw.json
    files: list[Path] = field(default_factory=list)
    progress: ProgressCallback = no_progress

    def __post_init__(self):
        self.label = self.label or self.meta.title or self.meta.source


@dataclass
class EpisodeResult:
    """One episode after ``run`` or ``batch``. ``status``: done (work ran and finished),
    skipped (batch: already done, nothing to do) or failed (now, or earlier and not retried)."""

    source: str
    key: str = ""  # batch: the ledger key (source, + feed entry); run: the source
    slug: str = ""
    title: str = ""
    outdir: Path | None = None
    status: str = "failed"
    error: str = ""
    cached: bool = False  # the transcript was reused, not decoded again
    origin: str = ""  # where the transcript came from: asr | publisher | captions
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0  # processing time of the stages run now (not queueing)
    audio_seconds: float = 0.0
    stages_run: tuple[str, ...] = ()
    attempts: int = 0  # batch: failed attempts since the last success
    state: str = ""  # batch: the ledger state (the last stage done, or "failed")

    @property
    def ok(self) -> bool:
        return self.status != "failed"


# ---------------------------------------------------------------- helpers


def source_identity(source: str) -> str:
    """What identifies a source: a URL as given; a local path resolved, so that
    ``in/a.mp3``, ``./in/a.mp3`` and its absolute path are one episode."""
    from audio2digest.sources.fetch import is_url

    if is_url(source):
        return source
    return str(Path(source).expanduser().resolve())


def file_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _hash(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def read_transcript(path: str | os.PathLike) -> Transcript:
    """Load a transcript.json; a clear :class:`InputError` for anything else."""
    p = Path(path)
    try:
        data = json.loads(p.read_text("utf-8"))
        return Transcript.from_dict(data)
    except FileNotFoundError as exc:
        raise InputError(f"{p}: no such file") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"{p}: not a transcript.json ({exc})") from exc


def read_digest(path: str | os.PathLike) -> Digest:
    """Load a digest.json; a clear :class:`InputError` for anything else."""
    p = Path(path)
    try:
        return Digest.from_dict(json.loads(p.read_text("utf-8")))
    except FileNotFoundError as exc:
        raise InputError(f"{p}: no such file") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"{p}: not a digest.json ({exc})") from exc


def load_glossary_files(files: Sequence[str], use_default: bool = True) -> Glossary | None:
    """The glossary of ``files`` (plus the bundled one if ``use_default``), or None when
    there is none. Every command loads its glossary here."""
    if not files and not use_default:
        return None
    from audio2digest.text.glossary import load_glossary

    return load_glossary(list(files), use_default=use_default)


def load_glossaries(options: RunOptions) -> Glossary | None:
    """The glossary for correction and hotwords, or None when there is none."""
    return load_glossary_files(options.glossaries, options.use_default_glossary)


def choose_hotwords(options: RunOptions) -> str | None:
    """The decoder's fixed hotwords where :func:`hotword_chooser` gives no chooser: none for
    ``none`` and for ``auto`` (without a glossary there are no terms to choose), else the
    user's own terms."""
    return None if options.hotwords in ("none", "auto") else options.hotwords


def hotword_chooser(options: RunOptions, glossary: Glossary | None, meta: EpisodeMeta):
    """With ``--hotwords auto`` and a glossary: a ``hotwords.HotwordChooser`` that gives each
    batch of the decode the terms the metadata names and earlier batches heard (Mandarin
    batches then the glossary's ranking; a sequential decode: the metadata's terms only)."""
    if options.hotwords != "auto" or glossary is None:
        return None
    from audio2digest.asr.hotwords import HotwordChooser
    from audio2digest.asr.model import load_model

    t = options.transcribe
    model, _ = load_model(t.model, cpu_threads=t.cpu_threads, compute_type=t.compute_type, device=t.device)
    return HotwordChooser(glossary, meta=meta, tokenizer=getattr(model, "hf_tokenizer", None))


def warm_up(glossary: Glossary | None) -> None:
    """Load what correction and digesting need once per process (glossary index, jieba's
    dictionary and IDF table: ~2 s), in a thread while the model decodes; CTranslate2
    releases the GIL, so the two overlap."""
    try:
        if glossary is not None:
            from audio2digest.text.correct import build_index

            build_index(glossary)
        from audio2digest.text.digest import prepare

        prepare()
    except Exception:  # the stages themselves will report any real problem
        log.debug("warm-up failed", exc_info=True)


def relative_audio(audio: Path, outdir: Path) -> str:
    """The audio path as recorded: relative to the episode directory."""
    return os.path.relpath(audio.resolve(), outdir.resolve())


def audio_href(audio: Path, outdir: Path) -> str:
    """The audio as a page in ``outdir`` links it: the relative path as a URL-quoted posix
    path (a file named ``ep #3.mp3`` becomes ``ep%20%233.mp3``, not a fragment)."""
    return quote(Path(relative_audio(audio, outdir)).as_posix())


def clean_partial(outdir: Path) -> None:
    """Remove what an interrupted stage left half-written: temp files and download dirs."""
    for d in (outdir, outdir / "clips"):
        if not d.is_dir():
            continue
        for p in d.iterdir():
            if p.name.startswith(".") and p.name.endswith(".tmp") and p.is_file():
                p.unlink(missing_ok=True)
            elif p.name.startswith(".download-") and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)


def remove_if_empty(outdir: Path) -> None:
    """Leave no empty episode directory behind."""
    try:
        for d in (outdir / "clips", outdir):
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
    except OSError:
        pass


# ---------------------------------------------------------------- fingerprints


def transcribe_fingerprint(options: RunOptions, transcriber_name: str = "asr") -> str:
    """What makes a transcript: the ASR settings without the thread count (speed only) and
    without glossary-derived hotwords (a glossary change re-corrects, not re-transcribes;
    ``--force`` re-transcribes with the new glossary's hotwords). Recorded in
    ``transcript.raw.json`` as ``settings.fingerprint``."""
    d = options.transcribe.to_dict()
    d.pop("cpu_threads", None)
    d.pop("hotwords", None)
    mode = options.hotwords if options.hotwords in ("auto", "none") else ["terms", options.hotwords]
    parts: list[Any] = [d, mode, DECODE_REVISION]
    if transcriber_name != "asr":
        parts.append(transcriber_name)
    # Only a non-default transcript source enters the key: the default adds nothing to it.
    if options.transcript_source != "auto" or options.allow_auto_captions:
        parts.append(
            {
                "transcript_source": options.transcript_source,
                "allow_auto_captions": options.allow_auto_captions,
            }
        )
    return _hash(*parts)


def glossary_fingerprint(options: RunOptions) -> str:
    """A fingerprint of the glossary *content* (bundled one included) used for correction."""
    parts: list[Any] = [bool(options.use_default_glossary)]
    paths: list[str] = []
    if options.use_default_glossary:
        from audio2digest.text.glossary import default_glossary_path

        paths.append(str(default_glossary_path()))
    paths += [str(g) for g in options.glossaries]
    for g in paths:
        try:
            parts.append(file_fingerprint(Path(g)))
        except OSError as exc:
            raise InputError(f"{g}: cannot read glossary ({exc.strerror or exc})") from exc
    return _hash(parts)


@dataclass(frozen=True)
class Settings:
    """The per-run inputs of the fingerprints, computed once per run."""

    transcribe: str
    glossary: str
    digest: tuple[str, ...]
    render: str

    @classmethod
    def of(cls, options: RunOptions, env: StageEnv) -> Settings:
        writers = tuple(
            getattr(w, "name", getattr(w, "__name__", type(w).__name__)) for w in env.digest_writers
        )
        return cls(
            transcribe=transcribe_fingerprint(options, env.transcriber.name),
            glossary=glossary_fingerprint(options),
            digest=writers,
            render=_hash(list(options.formats), bool(options.clips))
            if options.style == "default"
            else _hash(list(options.formats), bool(options.clips), options.style),
        )


# ---------------------------------------------------------------- the stages


@dataclass(frozen=True)
class Stage:
    """One step. ``run`` does the work for an episode and returns what it produced (a small
    JSON-able dict the batch ledger keeps); ``outputs`` are the files it writes (none: its
    result goes to the next stage in memory); ``resource`` says where a scheduler runs it
    ("io": network/disk, "asr": the speech model, "cpu": the rest); ``fingerprint_parts`` are
    the settings besides the previous stage's fingerprint that change its output."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    resource: str
    run: Callable[[Episode, StageEnv], dict]
    fingerprint_parts: Callable[[Settings], tuple] = lambda s: ()
    description: str = ""


def _fetch(ep: Episode, env: StageEnv) -> dict:
    from audio2digest.sources.fetch import download

    ep.outdir.mkdir(parents=True, exist_ok=True)
    fetched = download(ep.meta, ep.outdir, progress=ep.progress, limits=ep.options.download)
    ep.meta, audio = fetched.meta, fetched.audio_path
    try:
        st = audio.stat()
        ep.audio_sha256 = file_fingerprint(audio)
    except OSError as exc:  # a local file that went away since it was listed
        raise FetchError(f"{audio}: cannot read ({exc.strerror or exc})") from exc
    ep.audio = audio
    rel = relative_audio(audio, ep.outdir)
    atomic_write_json(ep.outdir / SOURCE_FILE, {"episode": ep.meta.to_dict(), "audio": rel})
    return {
        "audio": rel,
        "audio_sha256": ep.audio_sha256,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "meta": ep.meta.to_dict(),
    }


def cached_transcript(ep: Episode, fingerprint: str) -> Transcript | None:
    """``transcript.raw.json`` when it was made from this audio with these settings."""
    raw_path = ep.outdir / RAW_TRANSCRIPT
    if ep.options.force or not raw_path.is_file():
        return None
    try:
        cached = read_transcript(raw_path)
    except InputError:
        log.warning("%s: unreadable cached transcript, re-transcribing", raw_path)
        return None
    if (
        cached.settings.get("audio_sha256") == ep.audio_sha256
        and cached.settings.get("fingerprint") == fingerprint
    ):
        return cached
    return None


def _transcribe(ep: Episode, env: StageEnv) -> dict:
    assert ep.audio is not None, "transcribe runs after fetch"
    if not ep.audio_sha256:
        ep.audio_sha256 = file_fingerprint(ep.audio)
    fp = transcribe_fingerprint(ep.options, env.transcriber.name)
    cached = cached_transcript(ep, fp)
    if cached is not None:
        log.info("%s: transcript cached, not re-transcribing", ep.outdir.name)
        ep.transcript, ep.cached = cached, True
        return {"audio_seconds": cached.duration, "reused": True}
    t = publisher_transcript_of(ep)
    if t is None:
        t = env.transcriber.transcribe(ep.audio, ep.meta, ep.options, env.glossary, progress=ep.progress)
        t = t.replace(origin=t.origin or {"kind": "asr"})
    settings = {k: v for k, v in t.settings.items() if k != "cpu_threads"}  # speed only
    ep.transcript = t.replace(settings={**settings, "audio_sha256": ep.audio_sha256, "fingerprint": fp})
    ep.cached = False
    return {"audio_seconds": t.duration, "reused": False, "origin": t.origin.get("kind", "asr")}


def publisher_transcript_of(ep: Episode) -> Transcript | None:
    """The publisher's transcript or subtitles of ``ep`` under ``--transcript-source``, not
    yet normalised (the normalise stage does that); None: transcribe. Never loads a model."""
    mode = ep.options.transcript_source
    if mode == "asr" or (mode == "auto" and not ep.meta.transcripts):
        return None
    from audio2digest.sources.audio import probe_duration
    from audio2digest.sources.transcripts import publisher_transcript

    duration = ep.meta.duration or (probe_duration(ep.audio) if ep.audio is not None else 0.0)
    return publisher_transcript(
        ep.meta,
        mode=mode,
        language=ep.options.transcribe.language,
        allow_automatic=ep.options.allow_auto_captions,
        script=ep.options.transcribe.script,
        duration=duration,
        normalize=False,
    )


def _normalize_version() -> int:
    from audio2digest.text.normalize import NORMALIZE_VERSION

    return NORMALIZE_VERSION


def _normalise(ep: Episode, env: StageEnv) -> dict:
    assert ep.transcript is not None, "normalise runs after transcribe"
    from audio2digest.text.normalize import NORMALIZE_VERSION

    # a reused transcript.raw.json is normalised already, unless by an older normalisation
    # (normalising twice gives the same text)
    if not ep.cached or ep.transcript.settings.get("normalize_version") != NORMALIZE_VERSION:
        from audio2digest.text.normalize import normalize_segments
        from audio2digest.types import Segment

        t = ep.transcript
        segs = normalize_segments(t.segments, t.language, ep.options.transcribe.script)
        ep.transcript = t.replace(
            segments=tuple(Segment(**{**s.__dict__, "id": i}) for i, s in enumerate(segs)),
            settings={**t.settings, "normalize_version": NORMALIZE_VERSION},
        )
        atomic_write_json(ep.outdir / RAW_TRANSCRIPT, ep.transcript.to_dict())
    return {"segments": len(ep.transcript.segments)}


def _correct(ep: Episode, env: StageEnv) -> dict:
    t = ep.transcript or read_transcript(ep.outdir / RAW_TRANSCRIPT)
    if env.glossary is not None:
        from audio2digest.text.correct import correct_transcript

        t = correct_transcript(t, env.glossary)
    ep.transcript = t
    atomic_write_json(ep.outdir / TRANSCRIPT, t.to_dict())
    return {"corrections": len(t.corrections)}


def _segment(ep: Episode, env: StageEnv) -> dict:
    from audio2digest.text.segment import segment_transcript

    t = ep.transcript if ep.transcript is not None else read_transcript(ep.outdir / TRANSCRIPT)
    ep.transcript = t
    if not t.timed:  # a publisher's text without times (HTML, plain text): segmented as text
        from audio2digest.text.segment import segment_text

        ep.items = tuple(segment_text(t.text, env.glossary, t.language))
        return {"items": len(ep.items)}
    ep.items = tuple(segment_transcript(t, env.glossary, use_timing=True))
    return {"items": len(ep.items)}


def _digest(ep: Episode, env: StageEnv) -> dict:
    from audio2digest.text.digest import build_digest

    assert ep.transcript is not None and ep.items is not None, "digest runs after segment"
    digest = build_digest(ep.transcript, glossary=env.glossary, items=ep.items)
    for write in env.digest_writers:
        if hasattr(write, "write_episode"):
            digest = write.write_episode(
                digest,
                ep.transcript,
                outdir=ep.outdir,
                glossary=env.glossary,
                progress=ep.progress,
                label=ep.label,
            )
        else:
            digest = write(digest, ep.transcript)
    ep.digest = digest
    atomic_write_json(ep.outdir / DIGEST_FILE, digest.to_dict())
    return {"items": len(digest.items)}


def renderable_formats(formats: Sequence[str], transcript: Transcript) -> list[str]:
    """``formats`` without those that need times when the transcript has none (logged)."""
    if transcript.timed:
        return list(formats)
    from audio2digest.render import FORMATS

    keep = [f for f in formats if not (f in FORMATS and FORMATS[f].needs_times)]
    dropped = [f for f in formats if f not in keep]
    if dropped:
        log.warning(
            "%s: the transcript has no times (%s); not writing %s",
            transcript.episode.title or transcript.episode.source,
            transcript.origin.get("url", "text"),
            ", ".join(dropped),
        )
    return keep


def stale_formats(outdir: Path, formats: Sequence[str], transcript: Transcript) -> list[str]:
    """Formats not asked for whose files an earlier run left in ``outdir``: they are rendered
    again, so that no file in an episode's directory is of an older digest (a run with a new
    glossary and the default formats had left the first run's digest.html as it was)."""
    from audio2digest.render import FORMATS, format_name

    asked = {format_name(f) for f in formats} | {"json"}
    left = [n for n, r in FORMATS.items() if n not in asked and (outdir / r.filename).is_file()]
    left = renderable_formats(left, transcript)
    if left:
        log.info("%s: also rendering %s again (left by an earlier run)", outdir, ", ".join(left))
    return left


def _render(ep: Episode, env: StageEnv) -> dict:
    from audio2digest.render import render_all

    t = ep.transcript if ep.transcript is not None else read_transcript(ep.outdir / TRANSCRIPT)
    digest = ep.digest if ep.digest is not None else read_digest(ep.outdir / DIGEST_FILE)
    audio = ep.audio
    href = audio_href(audio, ep.outdir) if audio is not None else None
    # digest.json is the digest stage's; formats that need times are left out without them
    formats = [f for f in renderable_formats(ep.options.formats, t) if f != "json"]
    formats += stale_formats(ep.outdir, formats, t)
    files = [ep.outdir / DIGEST_FILE]
    rendered = render_all(digest, t, ep.outdir, formats=formats, audio_href=href, style=ep.options.style)
    files += list(rendered.values())
    if ep.options.clips and audio is not None:
        from audio2digest.render import cut_clips

        files += list(cut_clips(audio, digest.items, ep.outdir / "clips"))
    ep.files = files
    return {"files": sorted({os.path.relpath(f, ep.outdir) for f in files})}


STAGES: tuple[Stage, ...] = (
    Stage(
        "fetch",
        (),
        (SOURCE_FILE,),
        "io",
        _fetch,
        description="download the audio (local files are referenced) and its metadata",
    ),
    Stage(
        "transcribe",
        ("audio",),
        (),
        "asr",
        _transcribe,
        lambda s: (s.transcribe,),
        description="speech recognition, or the cached transcript when audio and settings match",
    ),
    Stage(
        "normalise",
        (),
        (RAW_TRANSCRIPT,),
        "asr",
        _normalise,
        lambda s: (_normalize_version(),),
        description="script conversion, punctuation, news-style numbers",
    ),
    Stage(
        "correct",
        (RAW_TRANSCRIPT,),
        (TRANSCRIPT,),
        "cpu",
        _correct,
        lambda s: (s.glossary,),
        description="glossary correction with an audit trail",
    ),
    Stage("segment", (TRANSCRIPT,), (), "cpu", _segment, description="split the transcript into news items"),
    Stage(
        "digest",
        (),
        (DIGEST_FILE,),
        "cpu",
        _digest,
        lambda s: (list(s.digest),),
        description="title, summary, entities, category per item",
    ),
    Stage(
        "render",
        (DIGEST_FILE, TRANSCRIPT),
        (),
        "cpu",
        _render,
        lambda s: (s.render,),
        description="the requested formats (and clips)",
    ),
)

STAGE_NAMES: tuple[str, ...] = tuple(s.name for s in STAGES)
BY_NAME: dict[str, Stage] = {s.name: s for s in STAGES}


def fingerprints(key: str, audio_sha256: str | None, settings: Settings) -> dict[str, str]:
    """The expected fingerprint of every stage; each chains the one before. Stages after
    fetch need the audio's sha256 (known once fetch ran)."""
    fps: dict[str, str] = {}
    prev: Any = key
    for stage in STAGES:
        if stage.name != "fetch" and not audio_sha256:
            break
        first = audio_sha256 if stage.name == "transcribe" else prev
        prev = fps[stage.name] = _hash(stage.name, first, *stage.fingerprint_parts(settings))
    return fps


def preflight(writers: Sequence[DigestWriter]) -> None:
    """Check every digest writer that can be checked (an LLM endpoint answers, accepts the key,
    offers the model) before any audio is fetched; raises the writer's error (one line)."""
    for w in writers:
        check = getattr(w, "preflight", None)
        if callable(check):
            check()


def run_stages(
    ep: Episode,
    names: Sequence[str],
    env: StageEnv,
    on_done: Callable[[str, dict], None] = lambda name, info: None,
) -> None:
    """Run the named stages of ``ep`` in order; raise the first error."""
    for name in names:
        ep.progress(Progress(name, 0, 0, message=name, episode=ep.label))
        on_done(name, BY_NAME[name].run(ep, env))


__all__ = [
    "EpisodeResult",
    "source_identity",
    "STAGES",
    "STAGE_NAMES",
    "BY_NAME",
    "Stage",
    "StageEnv",
    "Episode",
    "RunOptions",
    "Transcriber",
    "WhisperTranscriber",
    "DigestWriter",
    "Settings",
    "fingerprints",
    "run_stages",
    "preflight",
    "transcribe_fingerprint",
    "glossary_fingerprint",
    "file_fingerprint",
    "read_transcript",
    "read_digest",
    "load_glossaries",
    "load_glossary_files",
    "choose_hotwords",
    "hotword_chooser",
    "warm_up",
    "cached_transcript",
    "clean_partial",
    "remove_if_empty",
    "relative_audio",
    "audio_href",
    "DEFAULT_FORMATS",
    "SOURCE_FILE",
    "RAW_TRANSCRIPT",
    "TRANSCRIPT",
    "DIGEST_FILE",
    "EPISODE_DONE",
    "EPISODE_FAILED",
    "BATCH_PROGRESS",
]
