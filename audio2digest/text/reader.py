"""The one reader of text inputs: ``segment``, ``correct`` and ``render`` read files (or
standard input) through :func:`read_text_input`, so every command refuses or repairs the
same inputs the same way.

- UTF-8 only (a BOM is dropped, CRLF becomes LF); invalid bytes: one line naming file, line
  and column.
- Binary data (NUL bytes) is refused; so are devices, and inputs over :data:`MAX_TEXT_BYTES`.
- Mojibake (UTF-8 that was decoded as cp1252 and saved again) is repaired with ftfy when that
  is lossless, with a warning; when bytes were lost it is refused, naming the line.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from audio2digest.errors import InputError
from audio2digest.files import os_reason

log = logging.getLogger("audio2digest.text.reader")

PathLike = Union[str, "os.PathLike[str]"]

#: Largest text input read (bytes): the longest transcript.json of a 3-h episode is ~10 MB;
#: 256 MiB bounds a pipe or file that never ends.
MAX_TEXT_BYTES = 256 << 20

# Characters that appear when UTF-8 bytes were decoded as cp1252 / latin-1: a lead byte
# of a multi-byte sequence (Ã Â â å æ ç è é ä ï ð ...) followed by a continuation byte
# rendered as a cp1252 / latin-1 character.
_MOJIBAKE_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def read_text_file(path: PathLike, *, what: str = "text") -> str:
    """Read a UTF-8 file; invalid UTF-8 raises :class:`InputError` naming file and line."""
    return decode_utf8(read_bytes(path, what=what), str(path), exc_class=InputError)


def read_bytes(path: PathLike, *, what: str = "text", limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a text input file: a regular file or a pipe (``<(cmd)``), never a device
    (``/dev/zero`` would be read forever), at most ``limit`` bytes."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what} ({os_reason(exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory, expected a {what} file")
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise InputError(f"{path}: not a regular file (a device or socket), expected a {what} file")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what} ({os_reason(exc)})") from None
    return _bounded(raw, str(path), limit)


def _bounded(raw: bytes, name: str, limit: int) -> bytes:
    if len(raw) > limit:
        raise InputError(f"{name}: larger than {limit >> 20} MiB; not a text input")
    return raw


def decode_utf8(raw: bytes, name: str, *, exc_class=InputError) -> str:
    """Decode ``raw`` as UTF-8 (a BOM is dropped). Invalid bytes: one-line error with line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise exc_class(
            f"{name}:{line}: invalid UTF-8 (byte 0x{raw[exc.start]:02x} at column {col}); "
            "save the file as UTF-8"
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


_LATIN1_BY_HAN = re.compile(r"[\u00c0-\u00ff](?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[\u00c0-\u00ff]")


def mojibake_line(text: str) -> int:
    """The 1-based line of the first mojibake-looking run (UTF-8 read as cp1252), or 0."""
    m = _find_mojibake(text)
    if not m:
        return 0
    return text.count("\n", 0, m.start()) + 1


def _find_mojibake(text: str):
    # Two adjacent suspicious pairs are required: a single "é€" can be legitimate Latin text.
    for m in _MOJIBAKE_RE.finditer(text):
        rest = text[m.end() : m.end() + 4]
        if _MOJIBAKE_RE.match(rest) or _MOJIBAKE_RE.match(rest[1:] if rest else ""):
            return m
    return None


def looks_like_mojibake(text: str) -> bool:
    return _find_mojibake(text) is not None


@dataclass(frozen=True)
class TextRepair:
    """Result of :func:`repair_mojibake`."""

    text: str
    changed: bool  # the text was repaired
    lossy: bool  # mojibake found that could not be repaired without loss
    line: int = 0  # first line that still looks broken (when lossy)


def repair_mojibake(text: str) -> TextRepair:
    """Undo UTF-8-read-as-cp1252 mojibake with ftfy when that is lossless.

    Returns the text unchanged when it does not look like mojibake. When ftfy's result
    still contains mojibake (bytes lost when the file was saved), ``lossy`` is true and
    the original text is returned, so the caller can refuse or flag it.
    """
    if not looks_like_mojibake(text):
        return TextRepair(text, False, False)
    import ftfy

    fixed = ftfy.fix_encoding(text)
    # The text was mojibake, so even one pair left, or a Latin-1 letter against a Han
    # character ("智谱å‘布": a byte was lost), means the repair was not whole.
    left = _MOJIBAKE_RE.search(fixed) or _LATIN1_BY_HAN.search(fixed)
    if left or "\ufffd" in fixed:
        line = fixed.count("\n", 0, left.start()) + 1 if left else mojibake_line(text)
        return TextRepair(text, False, True, line)
    return TextRepair(fixed, fixed != text, False)


@dataclass(frozen=True)
class TextInput:
    """A text input as read: its display name, the (repaired) text, notes on repairs."""

    name: str
    text: str
    notes: tuple[str, ...] = ()


def read_text_input(source: PathLike, *, data: bytes | None = None, what: str = "text") -> TextInput:
    """Read a text input: a file, or ``"-"`` with ``data`` (standard input, read by the CLI).

    Raises :class:`InputError` with one line naming the input: missing, a directory or a
    device, not UTF-8, binary, or lossy mojibake (see the module docstring)."""
    name = "<stdin>" if str(source) == "-" else str(source)
    if data is None:
        if str(source) == "-":
            raise InputError("<stdin>: no data given")
        raw = read_bytes(source, what=what)
    else:
        raw = _bounded(data, name, MAX_TEXT_BYTES)
    if b"\0" in raw[:8192]:
        raise InputError(f"{name}: binary data (NUL bytes), not a {what} file")
    text = decode_utf8(raw, name, exc_class=InputError)
    rep = repair_mojibake(text)
    if rep.lossy:
        raise InputError(
            f"{name}:{rep.line}: text is mojibake (UTF-8 decoded as cp1252) and cannot be "
            "repaired without loss; re-export the file as UTF-8"
        )
    notes: tuple[str, ...] = ()
    if rep.changed:
        notes = (f"{name}: repaired mojibake (UTF-8 decoded as cp1252) with ftfy",)
        log.warning("%s", notes[0])
    return TextInput(name, rep.text, notes)
