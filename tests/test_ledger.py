"""The batch ledger: schema, records, failures and backoff, and never losing a bad file."""

from __future__ import annotations

import sqlite3
import time

import pytest

from audio2digest.batch.ledger import (
    LEDGER_NAME,
    SCHEMA_VERSION,
    STAGES,
    Ledger,
    StageDone,
    backoff_delay,
)
from audio2digest.errors import LedgerError


def _add(ledger: Ledger, key: str = "/a.mp3", pos: int = 0) -> None:
    ledger.add_episode(key, key, position=pos, slug=f"ep{pos}", title=f"Episode {pos}")


def test_new_ledger_has_schema_version_and_wal(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        assert ledger.path == tmp_path / LEDGER_NAME
    conn = sqlite3.connect(tmp_path / LEDGER_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_stage_records_survive_reopen_and_later_stages_are_dropped(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        _add(ledger)
        for stage in STAGES:
            ledger.record_stage(
                "/a.mp3",
                stage,
                f"fp-{stage}",
                seconds=0.5,
                info={"n": 1},
                audio_seconds=12.5 if stage == "transcribe" else None,
            )
    with Ledger.open(tmp_path) as ledger:
        rec = ledger.episode("/a.mp3")
        assert rec.done and rec.state == "render"
        assert list(rec.stages) == list(STAGES)
        assert rec.audio_seconds == 12.5
        assert rec.stages["correct"].fingerprint == "fp-correct"
        assert rec.stages["correct"].info == {"n": 1}
        # Re-recording an earlier stage invalidates what was built on it.
        ledger.record_stage("/a.mp3", "correct", "fp-new")
        rec = ledger.episode("/a.mp3")
        assert list(rec.stages) == list(STAGES[: STAGES.index("correct") + 1])
        assert rec.state == "correct" and not rec.done
        done = [(h["stage"], h["event"]) for h in ledger.history("/a.mp3")]
        assert done == [(s, "done") for s in STAGES] + [("correct", "done")]


def test_add_episode_keeps_slug_and_stages(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        _add(ledger)
        ledger.record_stage("/a.mp3", "fetch", "fp")
        ledger.add_episode("/a.mp3", "/a.mp3", position=3, slug="other", title="")
        rec = ledger.episode("/a.mp3")
        assert rec.slug == "ep0" and rec.title == "Episode 0" and rec.position == 3
        assert "fetch" in rec.stages


def test_failures_count_attempts_with_exponential_backoff(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        _add(ledger)
        ledger.record_stage("/a.mp3", "fetch", "fp")
        t0 = time.time()
        assert ledger.record_failure("/a.mp3", "transcribe", "/a.mp3: boom", backoff_base=10) == 1
        rec = ledger.episode("/a.mp3")
        assert rec.state == "failed" and rec.failed_stage == "transcribe"
        assert rec.last_error == "/a.mp3: boom"
        assert 9 <= rec.next_retry_at - t0 <= 11
        assert "fetch" in rec.stages  # finished stages stay recorded: a retry resumes
        assert ledger.record_failure("/a.mp3", "transcribe", "again", backoff_base=10) == 2
        assert 19 <= ledger.episode("/a.mp3").next_retry_at - t0 <= 21
        for stage in STAGES[1:]:
            ledger.record_stage("/a.mp3", stage, "fp")
        rec = ledger.episode("/a.mp3")
        assert rec.done and rec.attempts == 0 and rec.last_error == "" and rec.next_retry_at is None


def test_backoff_delay():
    assert backoff_delay(0, 60) == 0
    assert [backoff_delay(n, 60) for n in (1, 2, 3)] == [60, 120, 240]
    assert backoff_delay(30, 60, cap=3600) == 3600
    assert backoff_delay(3, 0) == 0


def test_unknown_stage_and_episode_are_errors(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        _add(ledger)
        with pytest.raises(ValueError, match="Invalid stage 'done'"):
            ledger.record_stage("/a.mp3", "done", "fp")
        with pytest.raises(LedgerError, match="unknown episode"):
            ledger.record_failure("/nope", "fetch", "x")


def test_newer_schema_is_a_clear_error_and_file_untouched(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        _add(ledger)
    path = tmp_path / LEDGER_NAME
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(LedgerError) as err:
        Ledger.open(tmp_path)
    msg = str(err.value)
    assert str(path) in msg and f"schema version {SCHEMA_VERSION + 1}" in msg and "upgrade" in msg
    with pytest.raises(LedgerError, match="newer"):
        Ledger.open_readonly(tmp_path)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a database\n",
        b"SQLite format 3\x00" + b"\xff" * 200,  # right magic, garbage pages
    ],
)
def test_corrupt_ledger_is_a_clear_error_never_recreated(tmp_path, content):
    path = tmp_path / LEDGER_NAME
    path.write_bytes(content)
    with pytest.raises(LedgerError) as err:
        Ledger.open(tmp_path)
    assert str(path) in str(err.value) and "corrupt" in str(err.value)
    assert path.read_bytes() == content  # never overwritten or recreated
    assert not (tmp_path / (LEDGER_NAME + "-wal")).exists()


def test_truncated_ledger_is_an_error(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        for i in range(200):
            _add(ledger, f"/ep{i}.mp3", i)
            ledger.record_stage(f"/ep{i}.mp3", "fetch", "x" * 200, info={"pad": "y" * 500})
    path = tmp_path / LEDGER_NAME
    data = path.read_bytes()
    assert len(data) > 8192
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LedgerError, match="corrupt"):
        with Ledger.open(tmp_path) as ledger:
            ledger.episodes()
    assert path.read_bytes() == data[: len(data) // 2]


def test_foreign_sqlite_file_is_not_taken_over(tmp_path):
    path = tmp_path / LEDGER_NAME
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError, match="not an audio2digest ledger"):
        Ledger.open(tmp_path)


def test_one_writer_at_a_time(tmp_path):
    with Ledger.open(tmp_path):
        with pytest.raises(LedgerError, match="in use by another batch"):
            Ledger.open(tmp_path)
        with Ledger.open_readonly(tmp_path) as ro:  # status may read meanwhile
            assert ro.episodes() == []
    with Ledger.open(tmp_path):  # released on close
        pass


def test_readonly_needs_an_existing_ledger(tmp_path):
    with pytest.raises(LedgerError, match="no ledger here"):
        Ledger.open_readonly(tmp_path)


def test_failed_transaction_rolls_back(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        _add(ledger)
        # record_stage writes the stage, the episode's state, then the history row: the last
        # write fails, and the first two are undone with it
        conn = sqlite3.connect(tmp_path / LEDGER_NAME)
        with conn:
            conn.execute(
                "CREATE TRIGGER boom BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, 'boom'); END"
            )
        conn.close()
        with pytest.raises(LedgerError, match="boom"):
            ledger.record_stage("/a.mp3", "fetch", "fp-fetch")
        rec = ledger.episode("/a.mp3")
        assert rec is not None and rec.state == "pending" and rec.stages == {}
        assert ledger.history("/a.mp3") == []
        assert ledger.op_seconds > 0


def test_one_tasks_stages_are_recorded_together_or_not_at_all(tmp_path):
    """segment keeps its result in memory, so it is only resumable with digest: a failure
    (or a kill) while recording digest must not leave segment recorded on its own."""
    with Ledger.open(tmp_path) as ledger:
        _add(ledger)
        for stage in ("fetch", "normalise", "transcribe", "correct"):
            ledger.record_stage("/a.mp3", stage, f"fp-{stage}")
        conn = sqlite3.connect(tmp_path / LEDGER_NAME)
        with conn:
            conn.execute(
                "CREATE TRIGGER boom BEFORE INSERT ON history WHEN NEW.stage = 'digest'"
                " BEGIN SELECT RAISE(ABORT, 'boom'); END"
            )
        conn.close()
        pair = [StageDone("segment", "fp-segment", 1.0), StageDone("digest", "fp-digest", 2.0)]
        with pytest.raises(LedgerError, match="boom"):
            ledger.record_stages("/a.mp3", pair)
        rec = ledger.episode("/a.mp3")
        assert rec is not None and rec.state == "correct" and "segment" not in rec.stages
        conn = sqlite3.connect(tmp_path / LEDGER_NAME)
        with conn:
            conn.execute("DROP TRIGGER boom")
        conn.close()
        ledger.record_stages("/a.mp3", pair)
        rec = ledger.episode("/a.mp3")
        assert rec is not None and rec.state == "digest" and {"segment", "digest"} <= set(rec.stages)
        assert [h["stage"] for h in ledger.history("/a.mp3")][-2:] == ["segment", "digest"]


def test_schema_1_ledger_is_migrated_to_the_stage_names(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        _add(ledger)
        for stage in ("fetch", "transcribe", "normalise", "correct"):
            ledger.record_stage("/a.mp3", stage, f"fp-{stage}")
        ledger.record_failure("/a.mp3", "segment", "boom")
    # What schema 1 wrote: stages named by the state after them.
    conn = sqlite3.connect(tmp_path / LEDGER_NAME)
    with conn:
        conn.execute("DELETE FROM stages WHERE stage = 'normalise'")
        for old, new in (
            ("fetched", "fetch"),
            ("transcribed", "transcribe"),
            ("corrected", "correct"),
            ("segmented", "segment"),
        ):
            conn.execute("UPDATE stages SET stage = ? WHERE stage = ?", (old, new))
            conn.execute("UPDATE history SET stage = ? WHERE stage = ?", (old, new))
            conn.execute("UPDATE episodes SET failed_stage = ? WHERE failed_stage = ?", (old, new))
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with Ledger.open(tmp_path) as ledger:
        rec = ledger.episode("/a.mp3")
        assert list(rec.stages) == ["fetch", "transcribe", "correct"]
        assert rec.failed_stage == "digest" and rec.state == "failed"
        assert {h["stage"] for h in ledger.history("/a.mp3")} <= set(STAGES)
    conn = sqlite3.connect(tmp_path / LEDGER_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    conn.close()
