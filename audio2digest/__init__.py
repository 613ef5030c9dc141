"""audio2digest: news episodes in, written digests out.

The public API is small; heavy dependencies (faster-whisper, jieba, ...) are
imported only when a function that needs them runs, so importing this package
and ``audio2digest --help`` stay instant.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logger = logging.getLogger("audio2digest")
logger.addHandler(logging.NullHandler())

__all__ = ["__version__", "logger", "run", "run_batch", "transcribe", "correct_text",
           "correct_transcript", "load_glossary", "build_digest", "render_all"]


def __getattr__(name: str):  # PEP 562: lazy public API
    if name == "run":
        from .pipeline import run

        return run
    if name == "run_batch":
        from .batch import run_batch

        return run_batch
    if name == "correct_transcript":
        from .correct import correct_transcript

        return correct_transcript
    if name == "build_digest":
        from .digest import build_digest

        return build_digest
    if name == "render_all":
        from .render import render_all

        return render_all
    if name == "transcribe":
        from .transcribe import transcribe

        return transcribe
    if name == "correct_text":
        from .correct import correct_text

        return correct_text
    if name == "load_glossary":
        from .glossary import load_glossary

        return load_glossary
    raise AttributeError(f"module 'audio2digest' has no attribute {name!r}")
