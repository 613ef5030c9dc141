"""Exceptions raised by audio2digest. One base class, one subclass per stage.

The CLI turns any :class:`Audio2DigestError` into a one-line message and a
non-zero exit; anything else is a bug.
"""

from __future__ import annotations


class Audio2DigestError(Exception):
    """Base class for every error audio2digest reports to the user.

    ``permanent`` says whether trying again later can help: a missing file, an HTTP 404 or a
    file that is not audio stay that way (``batch`` does not retry them with backoff); a 5xx,
    a timeout or a stalled download may pass. Each class sets its usual case; a raise site
    may override it with ``permanent=...``.
    """

    permanent: bool = False

    def __init__(self, *args, permanent: bool | None = None):
        super().__init__(*args)
        if permanent is not None:
            self.permanent = permanent

    def __reduce__(self):  # keep ``permanent`` across processes (batch workers, Ray)
        return (_rebuild, (type(self), self.args, self.permanent))


def _rebuild(cls, args, permanent):
    return cls(*args, permanent=permanent)


class FetchError(Audio2DigestError):
    """A source (file, URL, feed) could not be read or downloaded."""


class TranscriptSourceError(FetchError):
    """A publisher transcript or subtitle track is missing, unreachable or malformed."""


class AudioError(Audio2DigestError):
    """Audio could not be decoded, or holds nothing usable."""

    permanent = True


class ModelError(Audio2DigestError):
    """A speech model is missing, unreachable or fails verification."""


class TranscribeError(Audio2DigestError):
    """Speech recognition failed."""


class GlossaryError(Audio2DigestError):
    """A glossary file is malformed."""

    permanent = True


class SegmentError(Audio2DigestError):
    """A transcript could not be split into items."""


class RenderError(Audio2DigestError):
    """An output format could not be written."""


class InputError(Audio2DigestError):
    """A transcript, digest or text input file is missing or malformed."""

    permanent = True


class OutputError(Audio2DigestError):
    """An output file could not be written (disk full, read-only directory, name too long)."""


class LedgerError(Audio2DigestError):
    """A batch ledger is corrupt or from an unknown schema version."""


class LLMError(Audio2DigestError):
    """An LLM endpoint is unreachable, refuses the key, lacks the model, or is misconfigured."""
