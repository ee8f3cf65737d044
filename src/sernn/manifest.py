"""The record of a chunk directory: what the job that wrote it left there, so that a file lost or
altered afterwards (a disk or copy accident, an edit) is noticed instead of silently kept.

A record is a JSON file, ``RECORD``, inside the chunk directory, written as the last step of the job
(temporary file, then rename): for every file the job wrote, its name, size (bytes), modification
time (ns) and BLAKE2b content hash. Checking a directory against its record is quick: a file whose
size and modification time are those recorded is taken as unchanged; only a file whose modification
time moved (same size) is hashed again. Snakemake's own ``.snakemake_timestamp`` is not part of it.

Standard library only: the workflow imports this module when it parses the Snakefile.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

#: The record's file name inside a chunk directory.
RECORD = ".record.json"
#: Files of a chunk directory that are not the job's output (Snakemake's directory timestamp).
NOT_RECORDED = frozenset({RECORD, ".snakemake_timestamp"})
FORMAT = "sernn chunk record 1"
_BLOCK = 1 << 20


class RecordMismatch(ValueError):
    """Files of a chunk directory no longer match its record; the message names each file."""


@dataclass
class Check:
    """The outcome of checking one chunk directory: ``problems`` (one line per lost or altered file,
    naming it; empty when the directory matches), whether it had a ``record``, how many files were
    ``hashed`` (those whose modification time moved) and their ``hashed_bytes``."""

    directory: Path
    record: bool = False
    problems: list[str] = field(default_factory=list)
    hashed: int = 0
    hashed_bytes: int = 0


def content_hash(path: str | Path) -> str:
    """The BLAKE2b hash (128-bit hex) of a file's bytes."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def _entry(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "blake2b": content_hash(path)}


def write_record(directory: str | Path) -> dict:
    """Record every plain file of ``directory`` (but ``NOT_RECORDED``) in ``directory/RECORD``,
    atomically (temporary file in the directory, renamed into place). Returns the record."""
    directory = Path(directory)
    names = sorted(p.name for p in directory.iterdir() if p.is_file() and p.name not in NOT_RECORDED)
    record = {"format": FORMAT, "files": {name: _entry(directory / name) for name in names}}
    tmp = directory / f"{RECORD}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w") as fh:
            json.dump(record, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / RECORD)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return record


def read_record(directory: str | Path) -> dict | None:
    """The record of ``directory``; None when it has none. Raises ``RecordMismatch`` when the record
    itself is unreadable (not JSON, another format)."""
    path = Path(directory) / RECORD
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        record = json.loads(text)
        if record.get("format") != FORMAT or not isinstance(record.get("files"), dict):
            raise ValueError(f"format {record.get('format')!r}")
    except (ValueError, AttributeError) as exc:
        raise RecordMismatch(f"record {str(path)!r} is unreadable ({exc})") from None
    return record


def check(directory: str | Path, expected: Iterable[str] = ()) -> Check:
    """Check ``directory`` against its record: every recorded file present with its recorded size,
    and, where its modification time moved, its recorded content hash; every ``expected`` file name
    present. A directory without a record is not checked (``Check.record`` false): it was written
    before records existed, or by a job that did not finish (Snakemake knows those incomplete)."""
    directory = Path(directory)
    out = Check(directory)
    try:
        record = read_record(directory)
    except RecordMismatch as exc:
        out.problems.append(str(exc))
        return out
    if record is None:  # written before records existed, or by a job that did not finish
        return out
    out.record = True
    files = record["files"]
    for name in sorted(set(files) | set(expected)):
        path = directory / name
        try:
            st = path.stat()
        except FileNotFoundError:
            out.problems.append(f"{str(path)!r} is missing")
            continue
        if name not in files:
            continue
        rec = files[name]
        if st.st_size != rec["size"]:
            out.problems.append(f"{str(path)!r} has {st.st_size} bytes, its record {rec['size']}")
        elif st.st_mtime_ns != rec["mtime_ns"]:
            out.hashed += 1
            out.hashed_bytes += st.st_size
            if content_hash(path) != rec["blake2b"]:
                out.problems.append(f"{str(path)!r} was altered (its content hash differs from its record)")
    return out


def verify(directory: str | Path, expected: Iterable[str] = ()) -> Check:
    """``check`` that raises ``RecordMismatch`` naming every lost or altered file."""
    result = check(directory, expected)
    if result.problems:
        raise RecordMismatch(
            f"chunk directory {str(directory)!r} no longer holds what its job wrote: "
            + "; ".join(result.problems)
        )
    return result


def scan(directories: Mapping[str, Iterable[str]]) -> list[Check]:
    """``check`` every existing directory of ``directories`` (directory -> the file names it must
    hold); those that do not exist are skipped (not made yet, or removed as a temporary
    intermediate: Snakemake makes them when needed)."""
    return [check(d, names) for d, names in directories.items() if Path(d).is_dir()]
