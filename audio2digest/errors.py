"""Exceptions raised by audio2digest. One base class, one subclass per stage.

The CLI turns any :class:`Audio2DigestError` into a one-line message and a
non-zero exit; anything else is a bug.
"""

from __future__ import annotations


class Audio2DigestError(Exception):
    """Base class for every error audio2digest reports to the user."""


class FetchError(Audio2DigestError):
    """A source (file, URL, feed) could not be read or downloaded."""


class AudioError(Audio2DigestError):
    """Audio could not be decoded, or holds nothing usable."""


class ModelError(Audio2DigestError):
    """A speech model is missing, unreachable or fails verification."""


class TranscribeError(Audio2DigestError):
    """Speech recognition failed."""


class GlossaryError(Audio2DigestError):
    """A glossary file is malformed."""


class SegmentError(Audio2DigestError):
    """A transcript could not be split into items."""


class RenderError(Audio2DigestError):
    """An output format could not be written."""


class InputError(Audio2DigestError):
    """A transcript, digest or text input file is missing or malformed."""


class LedgerError(Audio2DigestError):
    """A batch ledger is corrupt or from an unknown schema version."""


class LLMError(Audio2DigestError):
    """An LLM endpoint is unreachable, refuses the key, lacks the model, or is misconfigured."""
