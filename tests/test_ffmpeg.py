"""ffmpeg comes from PyPI (imageio-ffmpeg) when the system has none."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def test_works_without_ffmpeg_on_path(tmp_path, real_clips):
    # An empty PATH: no system ffmpeg can be found (python is started by absolute path).
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = textwrap.dedent(f"""
        import shutil, subprocess
        assert shutil.which("ffmpeg") is None
        from audio2digest.sources.ffmpeg import ffmpeg_exe, configure_pydub
        exe = ffmpeg_exe()
        assert "imageio_ffmpeg" in exe, exe
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, check=True)
        assert out.stdout.startswith("ffmpeg version")
        configure_pydub()
        from pydub import AudioSegment
        import numpy as np
        from audio2digest.sources.audio import load_audio
        a = load_audio({str(real_clips / "en_jfk_inaugural_1961.wav")!r})
        seg = AudioSegment((a[:16000] * 32767).astype("<i2").tobytes(), sample_width=2,
                           frame_rate=16000, channels=1)
        seg.export({str(tmp_path / "clip.mp3")!r}, format="mp3")
        print("ok")
    """)
    env = {"PATH": str(bindir), "HOME": os.environ.get("HOME", "/tmp")}
    res = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"
    assert (tmp_path / "clip.mp3").stat().st_size > 1000
