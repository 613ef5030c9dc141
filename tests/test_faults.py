"""Faults of the machine, not of the input: a full disk, a read-only OUT, very long names.

The full-disk and read-only cases run for real on a tiny tmpfs inside a user + mount
namespace (``unshare -rm``, no root needed where user namespaces are enabled); where that is
not available they are skipped, and the fake-exception tests still pin the messages."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from audio2digest.batch.ledger import SQLITE_CORRUPT, SQLITE_FULL, ledger_error, sqlite_primary_code
from audio2digest.errors import OutputError
from audio2digest.files import atomic_write_text, output_error

ROOT = Path(__file__).resolve().parents[1]


def _sqlite_error(code: int, msg: str) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(msg)
    exc.sqlite_errorcode = code
    return exc


@pytest.mark.parametrize(
    "exc, free",
    [
        (_sqlite_error(SQLITE_FULL, "database or disk is full"), 10**9),
        (_sqlite_error(778, "disk I/O error"), 0),  # SQLITE_IOERR_WRITE on a full disk
        (_sqlite_error(4874, "disk I/O error"), 4096),  # SQLITE_IOERR_SHMSIZE: what a full tmpfs gave
        (OSError(errno.ENOSPC, "No space left on device"), None),
    ],
)
def test_disk_full_is_not_called_corrupt(tmp_path, exc, free):
    err = ledger_error(tmp_path / "ledger.sqlite", exc, "recording progress", free=lambda p: free)
    msg = str(err)
    assert "disk full" in msg and str(tmp_path / "ledger.sqlite") in msg
    assert "corrupt" not in msg and "move it away" not in msg


def test_io_error_with_space_left_is_not_called_corrupt(tmp_path):
    err = ledger_error(tmp_path / "l.sqlite", _sqlite_error(778, "disk I/O error"), "x", free=lambda p: 10**9)
    assert "disk I/O error" in str(err) and "move it away" not in str(err)


def test_only_real_corruption_says_move_it_away(tmp_path):
    err = ledger_error(
        tmp_path / "l.sqlite", _sqlite_error(SQLITE_CORRUPT, "database disk image is malformed"), "x"
    )
    assert "corrupt ledger" in str(err) and "move it away" in str(err)


@pytest.mark.parametrize(
    "exc, code",
    [
        (sqlite3.OperationalError("database or disk is full"), 13),
        (sqlite3.OperationalError("disk I/O error"), 10),
        (sqlite3.OperationalError("attempt to write a readonly database"), 8),
        (sqlite3.DatabaseError("database disk image is malformed"), 11),
        (sqlite3.DatabaseError("file is not a database"), 26),
        (sqlite3.OperationalError("unable to open database file"), 14),
        (sqlite3.OperationalError("no such table: x"), None),
        (OSError(errno.EIO, "Input/output error"), None),
    ],
)
def test_sqlite_code_without_sqlite_errorcode(exc, code):
    """Python 3.10's sqlite3 errors carry no ``sqlite_errorcode``: the message tells the code."""
    assert not hasattr(exc, "sqlite_errorcode")
    assert sqlite_primary_code(exc) == code


def test_corruption_without_sqlite_errorcode_says_move_it_away(tmp_path):
    err = ledger_error(tmp_path / "l.sqlite", sqlite3.DatabaseError("file is not a database"), "x")
    assert "corrupt ledger" in str(err) and "move it away" in str(err)


def test_read_only_ledger_error_names_the_path(tmp_path):
    err = ledger_error(tmp_path / "l.sqlite", OSError(errno.EROFS, "Read-only file system"), "x")
    assert str(tmp_path / "l.sqlite") in str(err) and "read-only" in str(err)


def test_output_error_names_the_file():
    err = output_error("/o/digest.md", OSError(errno.ENOSPC, "No space left on device"))
    assert isinstance(err, OutputError)
    assert str(err) == "/o/digest.md: cannot write: disk full (no space left on device)"


def test_long_output_name_keeps_temp_name_short(tmp_path):
    """A 245-character name (NAME_MAX is 255) is written; the temp name must not overflow."""
    name = "t" * 240 + ".json"
    path = atomic_write_text(tmp_path / name, "{}\n")
    assert path.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_too_long_output_name_is_one_line(tmp_path):
    with pytest.raises(OutputError, match=r"file name too long"):
        atomic_write_text(tmp_path / ("t" * 300), "x")
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- a real tiny file system


def _in_tmpfs(
    script: str, *, size: str = "1m", readonly: bool = False, pre: str = "", timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run ``script`` (python, argv[1] = the mount point) over a fresh tmpfs of ``size``."""
    if not shutil.which("unshare"):
        pytest.skip("unshare not available")
    import tempfile

    mnt = tempfile.mkdtemp(prefix="a2d-tmpfs-")
    remount = (f" && {pre.format(mnt=mnt)}" if pre else "") + (
        f" && mount -o remount,ro {mnt}" if readonly else ""
    )
    setup = f"mount -t tmpfs -o size={size} tmpfs {mnt}"
    code = textwrap.dedent(script)
    try:
        probe = subprocess.run(["unshare", "-rm", "sh", "-c", setup], capture_output=True, timeout=20)
        if probe.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({probe.stderr.decode().strip()})")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            [
                "unshare",
                "-rm",
                "sh",
                "-c",
                f'{setup}{remount} && exec "$0" -c "$1" {mnt}',
                sys.executable,
                code,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    finally:
        os.rmdir(mnt)


FILL = """
import sys
from pathlib import Path
def fill(root):
    try:
        with open(Path(root) / "filler", "wb") as fh:
            while True:
                fh.write(b"\\0" * 4096)
                fh.flush()
    except OSError:
        pass
"""


def test_full_disk_ledger_says_disk_full():
    res = _in_tmpfs(
        FILL
        + """
from audio2digest.batch.ledger import Ledger
from audio2digest.errors import LedgerError
out = Path(sys.argv[1]) / "out"
with Ledger.open(out) as l:
    l.add_episode("k", "src", slug="s", title="t")
fill(sys.argv[1])
try:
    with Ledger.open(out) as l:
        for i in range(200):
            l.add_episode(f"k{i}", "src", slug=f"s{i}", title="t" * 1000, meta={"x": "y" * 5000})
    print("NO ERROR")
except LedgerError as exc:
    print("ERR", exc)
# the ledger is healthy: once there is room again it opens and holds what it held
(Path(sys.argv[1]) / "filler").unlink()
with Ledger.open(out) as l:
    print("KEYS", sorted(e.key for e in l.episodes())[:1])
"""
    )
    assert res.returncode == 0, res.stderr
    err = next(line for line in res.stdout.splitlines() if line.startswith("ERR"))
    assert "ledger.sqlite: disk full" in err and "corrupt" not in err and "move it away" not in err
    assert "KEYS ['k']" in res.stdout


def test_full_disk_atomic_write_is_one_line_and_keeps_old_file():
    res = _in_tmpfs(
        FILL
        + """
from audio2digest.files import atomic_write_text
from audio2digest.errors import OutputError
p = Path(sys.argv[1]) / "digest.md"
atomic_write_text(p, "old\\n")
fill(sys.argv[1])
try:
    atomic_write_text(p, "new " * 200000)
    print("NO ERROR")
except OutputError as exc:
    print("ERR", exc)
print("KEPT", p.read_text().strip(), sorted(x.name for x in p.parent.iterdir()))
"""
    )
    assert res.returncode == 0, res.stderr
    assert "digest.md: cannot write: disk full" in res.stdout
    assert "KEPT old ['digest.md', 'filler']" in res.stdout


@pytest.mark.parametrize("existing", [False, True])
def test_read_only_out_batch_is_one_line(tmp_path, real_clips, existing):
    sources = tmp_path / "sources.txt"
    sources.write_text(str(real_clips / "en_jfk_inaugural_1961.wav") + "\n")
    res = _in_tmpfs(
        f"""
import sys
from click.testing import CliRunner
from audio2digest.cli import main
r = CliRunner().invoke(main, ["batch", {str(sources)!r}, "-o", sys.argv[1] + "/out"])
print("EXIT", r.exit_code)
print("OUT", r.output)
print("EXC", type(r.exception).__name__)
""",
        readonly=True,
        pre="mkdir {mnt}/out" if existing else "",
    )
    assert res.returncode == 0, res.stderr
    assert "EXIT 1" in res.stdout and "Traceback" not in res.stdout + res.stderr
    assert "read-only file system" in res.stdout and "/out" in res.stdout
    assert len([ln for ln in res.stdout.splitlines() if ln.startswith("OUT")]) == 1
    assert "EXC SystemExit" in res.stdout


def test_transcribe_to_an_impossible_name_fails_before_work(tmp_path, real_clips):
    from click.testing import CliRunner

    from audio2digest.cli import main

    out = tmp_path / ("t" * 300 + ".json")
    res = CliRunner().invoke(
        main, ["transcribe", str(real_clips / "en_jfk_inaugural_1961.wav"), "-o", str(out)]
    )
    assert res.exit_code == 1 and "file name too long" in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_check_output_path(tmp_path):
    from audio2digest.files import check_output_path

    assert check_output_path(tmp_path / "new" / ("a" * 245)) == tmp_path / "new" / ("a" * 245)
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="is not a directory"):
        check_output_path(tmp_path / "f" / "x.json")


def test_batch_into_a_245_character_directory(tmp_path, real_clips):
    from fakes import FakeTranscriber

    from audio2digest.batch.scheduler import run_batch
    from audio2digest.stages import RunOptions

    sources = tmp_path / "s.txt"
    sources.write_text(str(real_clips / "en_jfk_inaugural_1961.wav") + "\n")
    out = tmp_path / ("o" * 245)
    s = run_batch(sources, out, RunOptions(use_default_glossary=False), transcriber=FakeTranscriber())
    assert s.ok and s.done == 1
    [ep] = [p for p in out.iterdir() if p.is_dir()]
    assert (ep / "digest.md").is_file()


def test_run_on_a_full_disk_is_one_line_naming_the_file(real_clips):
    """The real pipeline into a full OUT: one failure line naming the file (the first stage's
    source.json already fails, before any model is loaded)."""
    clip = real_clips / "en_jfk_inaugural_1961.wav"
    res = _in_tmpfs(
        FILL
        + f"""
from click.testing import CliRunner
from audio2digest.cli import main
out = Path(sys.argv[1]) / "out"
out.mkdir()
fill(sys.argv[1])
r = CliRunner().invoke(main, ["run", {str(clip)!r}, "-o", str(out), "--no-default-glossary"])
print("EXIT", r.exit_code)
print(r.output)
""",
        size="1200k",
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert "EXIT 1" in res.stdout and "Traceback" not in res.stdout
    failed = [ln for ln in res.stdout.splitlines() if ln.startswith("failed ")]
    assert len(failed) == 1 and "/out/en_jfk_inaugural_1961/" in failed[0]
    assert failed[0].endswith(": cannot write: disk full (no space left on device)")


def test_download_onto_a_full_disk_is_one_line(http_server):
    http_server.route("big.mp3", b"\0" * (3 << 20), "audio/mpeg")  # 3 MiB into a 1-MiB tmpfs
    res = _in_tmpfs(f"""
import sys
from pathlib import Path
from audio2digest.errors import Audio2DigestError
from audio2digest.sources.fetch import download
from audio2digest.types import EpisodeMeta
out = Path(sys.argv[1]) / "ep"
try:
    download(EpisodeMeta(source={http_server.url("big.mp3")!r}, audio_url={http_server.url("big.mp3")!r}), out)
    print("NO ERROR")
except Audio2DigestError as exc:
    print("ERR", exc)
print("LEFT", sorted(p.name for p in out.iterdir()))
""")
    assert res.returncode == 0, res.stderr
    assert "ep/audio.mp3: cannot write: disk full" in res.stdout
    assert "LEFT []" in res.stdout  # the partial download is gone


def test_status_reads_a_ledger_on_a_read_only_file_system():
    make = """
import sys
from pathlib import Path
from audio2digest.batch.ledger import Ledger
with Ledger.open(Path(sys.argv[1]) / "out") as l:
    l.add_episode("k", "src", slug="ep-one", title="t")
"""
    # the ledger is made on the tmpfs, which is then remounted read-only for `status`
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(make)
    try:
        res = _in_tmpfs(
            """
import sys
from click.testing import CliRunner
from audio2digest.cli import main
r = CliRunner().invoke(main, ["status", sys.argv[1] + "/out"])
print("EXIT", r.exit_code)
print(r.output)
""",
            readonly=True,
            pre=f"{sys.executable} {fh.name} {{mnt}}",
        )
    finally:
        os.unlink(fh.name)
    assert res.returncode == 0, res.stderr
    assert "EXIT 0" in res.stdout and "ep-one" in res.stdout and "1 pending" in res.stdout
