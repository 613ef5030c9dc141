"""``digest.json``: the digest record itself (schema ``audio2digest/digest@1``)."""

from __future__ import annotations

from audio2digest.files import dumps_json
from audio2digest.render import Renderer, register


def render(digest, transcript=None, audio_href=None) -> str:
    return dumps_json(digest.to_dict())


register(Renderer("json", "digest.json", render, "the digest as JSON (audio2digest/digest@1)"))
