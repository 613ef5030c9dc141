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

__all__ = [
    "__version__",
    "logger",
    "run",
    "run_batch",
    "RunOptions",
    "transcribe",
    "correct_text",
    "correct_transcript",
    "load_glossary",
    "build_digest",
    "render_all",
]


#: public name -> (module, attribute), imported on first use (PEP 562)
_LAZY = {
    "run": ("pipeline", "run"),
    "run_batch": ("batch.scheduler", "run_batch"),
    "RunOptions": ("stages", "RunOptions"),
    "transcribe": ("asr.transcribe", "transcribe"),
    "correct_text": ("text.correct", "correct_text"),
    "correct_transcript": ("text.correct", "correct_transcript"),
    "load_glossary": ("text.glossary", "load_glossary"),
    "build_digest": ("text.digest", "build_digest"),
    "render_all": ("render", "render_all"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'audio2digest' has no attribute {name!r}")
    import importlib

    module, attr = _LAZY[name]
    return getattr(importlib.import_module(f".{module}", __name__), attr)
