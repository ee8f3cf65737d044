"""Process plumbing of the workflow's jobs: a rule's script runs its step inside ``job(log)`` (output
to the rule's log, the garbage-collector policy of a process that ends with its job), reports progress
with ``say`` and runs a per-file step over the strengths of its chunk with ``each_strength``."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator

from . import storage


@contextlib.contextmanager
def logged(path: str | Path | None) -> Iterator[None]:
    """Send stdout and stderr (Python's and the C libraries') to the log file ``path``."""
    if not path:
        yield
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", buffering=1) as fh:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = fh
        try:
            yield
            print(f"packages used: {' '.join(f'{k}=={v}' for k, v in storage.package_versions().items())}")
        except BaseException:
            import traceback

            traceback.print_exc(file=fh)
            raise
        finally:
            sys.stdout, sys.stderr = old
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@contextlib.contextmanager
def job_process() -> Iterator[None]:
    """The garbage-collector policy of a process that runs one job and then exits (every rule's
    script).

    Inside, automatic cyclic garbage collection is off: the job's imports (TensorFlow, numba, scipy,
    pandas, matplotlib) create ~10^5 long-lived objects that every automatic collection would traverse again
    (0.1-0.4 s of a job), while the computations make no cyclic garbage worth collecting (numpy arrays;
    closed matplotlib figures are the exception, freed at exit). On leaving, every object still
    alive is frozen (``gc.freeze``) and collection switched back on, so that the interpreter's shutdown
    does not traverse them either (another 0.1-0.2 s; ~0.8 s after TensorFlow has trained, measured:
    a train job's peak memory was the same with collection off). A long-lived caller would keep those objects
    for good: use it only where the process ends with the job.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def job(
    log: str | Path | None, inputs: Iterable[str | Path] = (), outputs: Iterable[str | Path] = ()
) -> Iterator[None]:
    """What every rule's script runs its work in: output to the rule's ``log`` (``logged``), the
    garbage-collector policy of a process that ends with its job (``job_process``) and the records
    of its chunk directories (``recorded``). inputs, outputs: the rule's (Snakemake's
    ``snakemake.input``, ``snakemake.output``)."""
    with job_process(), logged(log), recorded(inputs, outputs):
        yield


@contextlib.contextmanager
def recorded(inputs: Iterable[str | Path] = (), outputs: Iterable[str | Path] = ()) -> Iterator[None]:
    """The chunk records of a job (``sernn.manifest``): first every input that is a chunk directory
    is checked against its record, and a file lost or altered since its job wrote it stops this one
    with a ``storage.FormatError`` naming the file; last, when the work succeeded, every output
    that is a directory gets its record."""
    from . import manifest

    for directory in (Path(p) for p in inputs):
        if directory.is_dir():
            try:
                manifest.verify(directory)
            except manifest.RecordMismatch as exc:
                raise storage.FormatError(f"{exc}; run the same command again to remake it") from None
    yield
    for directory in (Path(p) for p in outputs):
        if directory.is_dir():
            manifest.write_record(directory)


def say(message: str) -> None:
    """One timestamped progress line (to the rule's log when inside ``logged``)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def each_strength(labels: Iterable[str], step, paths: dict[str, str | Path], **kwargs) -> None:
    """Run a per-file step (e.g. ``binarise_networks``) on every strength of a chunk in this process:
    each argument in ``paths`` is a chunk directory and receives ``<directory>/<label>.h5``; the
    ``kwargs`` go to every call. Logs each strength as it finishes and the chunk's total."""
    labels = list(labels)
    started = time.perf_counter()
    for label in labels:
        t0 = time.perf_counter()
        step(**{name: Path(d) / f"{label}.h5" for name, d in paths.items()}, **kwargs)
        say(f"strength {label} done in {time.perf_counter() - t0:.2f} s")
    say(f"chunk of {len(labels)} strength(s) done in {time.perf_counter() - started:.2f} s")
