"""``transcript.podcast.json``: the Podcasting 2.0 JSON transcript.

The namespace's format (podcast-namespace, transcripts.md): ``{"version": "1.0.0",
"segments": [{"speaker"?, "startTime", "endTime", "body"}]}``, times in seconds. One segment
per transcript segment (a sentence or Whisper segment); ``speaker`` where the transcript knows
who speaks (a publisher's transcript that names speakers; speech recognition does not). Linked from a feed with
``<podcast:transcript type="application/json">``.
"""

from __future__ import annotations

from audio2digest.errors import RenderError
from audio2digest.files import dumps_json
from audio2digest.render import Renderer, register

VERSION = "1.0.0"
MIME_TYPE = "application/json"  # as the namespace's <podcast:transcript> tag names it


def render(digest, transcript=None, audio_href=None) -> str:
    segments = []
    if transcript is not None:
        if not transcript.timed:
            raise RenderError("a Podcasting 2.0 JSON transcript needs times; this transcript has none")
        for seg in transcript.segments:
            body = " ".join(seg.text.split())
            if body:
                start = round(max(0.0, float(seg.start)), 3)
                out = {"startTime": start, "endTime": round(max(start, float(seg.end)), 3), "body": body}
                if seg.speaker:
                    out = {"speaker": seg.speaker, **out}
                segments.append(out)
    elif digest is not None:  # no transcript: one segment per timed item
        for it in digest.items:
            if it.start is not None and it.end is not None and it.text.strip():
                segments.append(
                    {
                        "startTime": round(float(it.start), 3),
                        "endTime": round(float(it.end), 3),
                        "body": " ".join(it.text.split()),
                    }
                )
    else:
        raise RenderError("a JSON transcript needs a transcript or a digest")
    return dumps_json({"version": VERSION, "segments": segments})


register(
    Renderer(
        "transcript_json",
        "transcript.podcast.json",
        render,
        "Podcasting 2.0 JSON transcript",
        needs="transcript",
        mime_type=MIME_TYPE,
        needs_times=True,
    )
)
