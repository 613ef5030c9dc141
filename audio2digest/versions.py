"""The versions that decide what a transcript says: this package, the decoder stack and the
model. Read from installed package metadata (nothing heavy is imported), for ``--version``
and ``models``, so a bug report or a changed test result names the exact set."""

from __future__ import annotations

import platform
from importlib import metadata

#: The packages whose versions change recognised words (decoder, VAD, audio decoding).
DECODER_PACKAGES = ("faster-whisper", "ctranslate2", "onnxruntime", "av", "numpy", "tokenizers")


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """``{name: version}`` for Python, the decoder packages and the embedded model's sha256."""
    from audio2digest import __version__
    from audio2digest.asr.model import EMBEDDED_SHA256

    out = {"audio2digest": __version__, "python": platform.python_version()}
    out.update({name: package_version(name) for name in DECODER_PACKAGES})
    out["whisper-base model.bin sha256"] = EMBEDDED_SHA256["model.bin"]
    return out


def version_text() -> str:
    """Several lines: ``audio2digest X`` first, then one ``name version`` line each."""
    items = versions()
    lines = [f"audio2digest {items.pop('audio2digest')}"]
    lines += [f"  {name} {value}" for name, value in items.items()]
    return "\n".join(lines)
