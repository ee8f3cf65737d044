"""The on-disk format: every intermediate is a self-describing HDF5 file.

This module is the only one that opens files. Writes are atomic (a temporary name in the same
directory, renamed into place); every reader checks what it reads and raises ``FormatError``
naming the file and what is wrong. The layouts, the provenance attributes every file carries and
these guarantees are described in one place, docs/format.md.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import h5py
import numpy as np

from . import __version__


class FormatError(ValueError):
    """A file is not what its reader expects (missing, empty, truncated, not HDF5, another layout,
    inconsistent shapes, a missing attribute); the message names the file and what is wrong."""


@contextmanager
def _open(path: str | Path, what: str) -> Iterator[tuple[h5py.File, "_Checker"]]:
    """Open ``path`` (a ``what`` file, e.g. "networks") for reading; any failure to open or read it,
    and any layout problem found by the ``_Checker``, becomes one ``FormatError``."""
    path = Path(path)
    where = f"{what} file {str(path)!r}"
    if not path.is_file():
        raise FormatError(f"{where} does not exist")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        size = path.stat().st_size
        state = "is empty" if size == 0 else f"({size} bytes) is not a readable HDF5 file"
        raise FormatError(f"{where} {state} (truncated, or written by another tool?): {exc}") from None
    try:
        yield f, _Checker(where)
    except (OSError, KeyError, RuntimeError) as exc:  # data unreadable past the metadata (truncation)
        raise FormatError(f"{where} could not be read (truncated or corrupted?): {exc}") from None
    finally:
        f.close()


class _Checker:
    """Layout checks of an open file: required objects and attributes, and shapes with named
    dimensions that must agree across datasets. They look at metadata, or at the arrays a reader has
    read anyway (a group read by ``read_arrays``: a dict), never read data twice."""

    def __init__(self, where: str):
        self.where = where
        self.dims: dict[str, int] = {}

    def fail(self, problem: str):
        raise FormatError(f"{self.where}: {problem}")

    def group(self, parent: h5py.Group | dict, name: str, at: str | None = None) -> h5py.Group | dict:
        """``parent[name]``, which must be a group (or, read, a dict); ``at``: the parent's path in
        the file (default: its HDF5 name)."""
        obj = parent.get(name)
        if not isinstance(obj, (h5py.Group, dict)):
            self.fail(
                f"{'missing' if obj is None else 'not a'} group {_name(parent, name, at)} "
                f"(a file of another layout?)"
            )
        return obj

    def attrs(self, obj: h5py.HLObject, *names: str) -> None:
        missing = [n for n in names if n not in obj.attrs]
        if missing:
            self.fail(f"{obj.name} lacks the attribute(s) {', '.join(missing)}")

    def shapes(self, parent: h5py.Group | dict, spec: dict[str, tuple], at: str | None = None) -> None:
        """spec: dataset name -> shape, each entry an int or a dimension name (bound on first sight,
        then required to be equal everywhere). parent: a group, or a dict of arrays read from the
        group at ``at``."""
        for name, shape in spec.items():
            obj = parent.get(name)
            if not isinstance(obj, (h5py.Dataset, np.ndarray)):
                self.fail(
                    f"{'missing' if obj is None else 'not a'} dataset {_name(parent, name, at)} "
                    f"(a file of another layout?)"
                )
            ok = len(obj.shape) == len(shape)
            for d, n in zip(shape, obj.shape if ok else ()):
                if isinstance(d, str) and d not in self.dims:
                    self.dims[d] = int(n)
                ok = ok and self.dims.get(d, d) == n
            if not ok:
                expected = ", ".join(str(self.dims.get(d, d)) for d in shape)
                self.fail(
                    f"dataset {_name(parent, name, at)} has shape {obj.shape}, expected "
                    f"({expected}{',' if len(shape) == 1 else ''}) "
                    f"({', '.join(str(d) for d in shape)})"
                )

    def expect(self, dim: str, value: int | None, source: str) -> None:
        if value is not None and self.dims.get(dim) != value:
            self.fail(f"holds {self.dims.get(dim)} {_DIM_WORDS.get(dim, dim)}, expected {value} ({source})")

    def seeds(self, f: h5py.File) -> list[tuple[int, h5py.Group]]:
        """``seed_groups(f)``, which must be some, each with its ``seed`` attribute."""
        groups = [g for name, g in f.items() if name.startswith("seed") and isinstance(g, h5py.Group)]
        if not groups:
            self.fail("holds no seed<k> groups")
        for g in groups:
            self.attrs(g, "seed")
        return sorted(((int(g.attrs["seed"]), g) for g in groups), key=lambda t: t[0])


_DIM_WORDS = {"N": "units", "E+1": "snapshots"}


def _name(parent: h5py.Group | dict, name: str, at: str | None = None) -> str:
    return f"{(parent.name if at is None else at).rstrip('/')}/{name}"


def package_versions() -> dict[str, str]:
    """Versions of the interpreter and the numerical packages loaded in this process, and, once the
    GNM kernels are loaded, which routine computes their powers (``gnm_powers``: numpy's SVML or
    libm, :mod:`sernn.generative.vecmath`)."""
    out = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "h5py": h5py.__version__,
        "sernn": __version__,
    }
    for name in (
        "tensorflow",
        "keras",
        "scipy",
        "pandas",
        "numba",
        "bct",
        "networkx",
        "matplotlib",
        "yaml",
        "pyarrow",
    ):
        mod = sys.modules.get(name)
        if mod is not None and hasattr(mod, "__version__"):
            out[name] = str(mod.__version__)
    powers = sys.modules.get("sernn.generative.vecmath")  # which routine computed the GNM powers
    if powers is not None:
        out["gnm_powers"] = powers.DESCRIPTION
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def provenance(config: dict | None, step: str) -> dict[str, str]:
    """Root attributes recording what produced a file."""
    return {
        "sernn_version": __version__,
        "versions": json.dumps(package_versions(), sort_keys=True),
        "config": json.dumps(_jsonable(config or {}), sort_keys=True),
        "step": step,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "hostname": socket.gethostname(),
    }


@contextmanager
def atomic_h5(path: str | Path, config: dict | None = None, step: str = "") -> Iterator[h5py.File]:
    """Open ``path`` for writing via a temporary file renamed into place on success.

    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed earlier attempt
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(tmp, "w", track_order=True) as f:
            for k, v in provenance(config, step).items():
                f.attrs[k] = v
            yield f
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write(path: str | Path, write) -> None:
    """Write any file atomically: ``write(tmp_path)`` writes a temporary file in the same directory,
    which is renamed to ``path`` on success and removed on failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.stem}.*.tmp{path.suffix}"):  # left by a killed earlier attempt
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_csv(df, path: str | Path) -> None:
    """Atomic CSV write of a DataFrame (temporary file renamed into place), floats to 10 digits."""
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, float_format="%.10g"))


def write_parquet(df, path: str | Path) -> None:
    """Atomic Parquet write of a DataFrame."""
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def write_arrays(group: h5py.Group, arrays: dict[str, Any], compression: str | None = None) -> None:
    """Write a (nested) dict of arrays as datasets (dicts become subgroups)."""
    for name, value in arrays.items():
        if isinstance(value, dict):
            write_arrays(group.require_group(name), value, compression)
        else:
            value = np.asarray(value)
            kw = {"compression": compression} if compression and value.ndim >= 2 else {}
            group.create_dataset(name, data=value, **kw)


def read_arrays(group: h5py.Group) -> dict[str, Any]:
    """Read a group back into a nested dict of numpy arrays."""
    return {k: (read_arrays(v) if isinstance(v, h5py.Group) else v[()]) for k, v in group.items()}


# -- coordinates --------------------------------------------------------------------------------


def read_coordinates(path) -> np.ndarray:
    """A numeric table from a ``.npy`` file or a text/CSV file (comma or whitespace separated,
    ``#`` comments, an optional header line). Returns a 2-D float64 array (rows, columns); the shape
    is the caller's to check. Raises ``FormatError`` naming the file and the problem (missing, not
    an .npy array of numbers, a line that is not numbers, rows of different lengths, no rows)."""
    path = Path(path)
    where = f"coordinates file {str(path)!r}"
    if not path.is_file():
        raise FormatError(f"{where} does not exist")
    if path.suffix == ".npy":
        try:
            coords = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise FormatError(f"{where} is not a readable .npy array: {exc}") from None
        if coords.dtype.kind not in "fiu":
            raise FormatError(f"{where} holds {coords.dtype} values, not numbers")
        return np.atleast_2d(np.asarray(coords, dtype=np.float64))
    try:
        lines = path.read_text().splitlines()
    except UnicodeDecodeError:
        raise FormatError(f"{where} is not a text file (save coordinates as .csv/.txt or .npy)") from None
    rows = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    delim = "," if rows and "," in rows[0][1] else None
    values = []
    for k, (line_no, line) in enumerate(rows):
        try:
            values.append([float(x) for x in line.split(delim)])
        except ValueError:
            if k == 0:  # a header line
                continue
            raise FormatError(f"{where}: line {line_no} is not numbers: {line.strip()[:60]!r}") from None
    if not values:
        raise FormatError(f"{where} holds no rows of numbers")
    if len({len(v) for v in values}) > 1:
        raise FormatError(
            f"{where}: rows hold different numbers of values ({sorted({len(v) for v in values})})"
        )
    return np.asarray(values, dtype=np.float64)


# -- dataset ------------------------------------------------------------------------------------


def write_dataset(path, splits: dict[str, dict[str, np.ndarray]], attrs: dict, config: dict) -> None:
    with atomic_h5(path, config, "generate_dataset") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        write_arrays(f, splits)  # uncompressed: 17 MB at the default sizes, written in ~6 ms (lzf: 45 ms)


DATASET_SPLITS = ("train", "test", "validation")


def read_dataset(path) -> dict[str, dict[str, np.ndarray]]:
    """split -> {"inputs" (n, T, 8), "labels" (n, 4), "shuffled_labels" (n, 4), "maze_id" (n,)} for
    the splits train, test, validation (T the same in all). Raises ``FormatError``."""
    with _open(path, "dataset") as (f, check):
        out = {split: read_arrays(check.group(f, split)) for split in DATASET_SPLITS}
        for split, arrays in out.items():
            check.dims.pop("n", None)
            check.shapes(
                arrays,
                {"inputs": ("n", "T", 8), "labels": ("n", 4), "shuffled_labels": ("n", 4), "maze_id": ("n",)},
                f"/{split}",
            )
        return out


def write_task_dataset(path, splits: dict, attrs: dict, config: dict) -> None:
    """splits: split -> ``sernn.task.Trials`` (a task given through the task interface)."""
    with atomic_h5(path, config, "generate_task") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        for split, t in splits.items():
            g = f.create_group(split)
            write_arrays(
                g,
                {
                    "inputs": t.inputs,
                    "targets": t.targets,
                    "mask": t.mask,
                    "decision": t.decision.astype(np.uint8),
                    "conditions": dict(t.conditions),
                },
            )


def read_task_dataset(path) -> dict[str, dict[str, Any]]:
    """split -> {"inputs" (n, T, I), "targets" (n, T, O), "mask" (n, T) float32, "decision" (n, T)
    bool, "conditions": {name: (n,)}} for the splits train, test, validation (T, I, O the same in
    all). Raises ``FormatError``."""
    with _open(path, "task dataset") as (f, check):
        out = {}
        for split in DATASET_SPLITS:
            arrays = read_arrays(check.group(f, split))
            check.dims.pop("n", None)
            check.shapes(
                arrays,
                {
                    "inputs": ("n", "T", "I"),
                    "targets": ("n", "T", "O"),
                    "mask": ("n", "T"),
                    "decision": ("n", "T"),
                },
                f"/{split}",
            )
            for name, values in check.group(arrays, "conditions", f"/{split}").items():
                if values.shape != (arrays["inputs"].shape[0],):
                    check.fail(f"/{split}/conditions/{name} has shape {values.shape}, not (n,)")
            arrays["decision"] = arrays["decision"].astype(bool)
            out[split] = arrays
        return out


# -- networks -----------------------------------------------------------------------------------


def write_networks(
    path, results: dict[int, Any], coordinates: np.ndarray, distance: np.ndarray, attrs: dict, config: dict
) -> None:
    """results: seed -> ``sernn.training.TrainingResult``; attrs go on the root and every seed group."""
    with atomic_h5(path, config, "train") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        f.attrs["seeds"] = np.asarray(sorted(results), dtype=np.int64)
        f.create_dataset("coordinates", data=coordinates)
        f.create_dataset("distance", data=distance)
        for seed in sorted(results):
            r = results[seed]
            g = f.create_group(f"seed{seed}")
            for k, v in attrs.items():
                g.attrs[k] = v
            g.attrs["seed"] = seed
            g.attrs["diverged"] = bool(r.diverged)
            g.attrs["epoch_seconds"] = np.asarray(r.epoch_seconds, np.float64)
            write_arrays(
                g,
                {
                    "recurrent": r.recurrent,
                    "input_kernel": r.input_kernel,
                    "recurrent_bias": r.recurrent_bias,
                    "output_kernel": r.output_kernel,
                    "output_bias": r.output_bias,
                    "history": r.history,
                    "evaluation": r.evaluation,
                    "snapshots": r.snapshots,
                },
            )


def seed_groups(f: h5py.File) -> list[tuple[int, h5py.Group]]:
    """The ``seed<k>`` groups of an open file, sorted by seed."""
    groups = [
        (int(g.attrs["seed"]), g)
        for name, g in f.items()
        if isinstance(g, h5py.Group) and name.startswith("seed")
    ]
    return sorted(groups, key=lambda t: t[0])


NETWORK_ATTRS = ("regulariser", "regulariser_type", "task", "strength")
HISTORY = ("loss", "accuracy", "val_loss", "val_accuracy", "regularisation")
EVALUATION = ("test_loss", "test_accuracy", "validation_loss", "validation_accuracy")


def read_networks(path, n_units: int | None = None) -> dict[str, Any]:
    """{"attrs", "coordinates", "distance", "seeds": {seed: {arrays..., "attrs": {...}}}} (layout in
    the module docstring). ``n_units``: the unit count the caller expects (e.g. the config's
    ``model.n_units``), checked when given. Raises ``FormatError`` naming the file and the problem
    (missing object or attribute, shapes that disagree, another unit count)."""
    with _open(path, "networks") as (f, check):
        check.attrs(f, *NETWORK_ATTRS)
        check.shapes(f, {"coordinates": ("N", 3), "distance": ("N", "N")})
        check.expect("N", n_units, "model.n_units")
        out = {
            "attrs": dict(f.attrs),
            "coordinates": f["coordinates"][()],
            "distance": f["distance"][()],
            "seeds": {},
        }
        for seed, g in check.seeds(f):
            check.attrs(g, "diverged")
            d = read_arrays(g)
            at = g.name
            check.shapes(
                d,
                {
                    "recurrent": ("E+1", "N", "N"),
                    "input_kernel": ("I", "N"),
                    "recurrent_bias": ("N",),
                    "output_kernel": ("N", "O"),
                    "output_bias": ("O",),
                },
                at,
            )
            check.shapes(
                check.group(d, "snapshots", at),
                {
                    "input_kernel": ("E+1", "I", "N"),
                    "recurrent_bias": ("E+1", "N"),
                    "output_kernel": ("E+1", "N", "O"),
                    "output_bias": ("E+1", "O"),
                },
                f"{at}/snapshots",
            )
            check.shapes(
                check.group(d, "evaluation", at), {k: ("E+1",) for k in EVALUATION}, f"{at}/evaluation"
            )
            check.shapes(
                check.group(d, "history", at), {k: (check.dims["E+1"] - 1,) for k in HISTORY}, f"{at}/history"
            )
            d["attrs"] = dict(g.attrs)
            out["seeds"][seed] = d
    return out


# -- binarised adjacency ------------------------------------------------------------------------


def write_binarised(path, adjacency: dict[int, np.ndarray], attrs: dict, config: dict) -> None:
    """adjacency: seed -> (E+1, N, N) 0/1 array; attrs (regulariser, strength, binarisation
    choices) go on the root and every seed group."""
    with atomic_h5(path, config, "binarise") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        for seed in sorted(adjacency):
            g = f.create_group(f"seed{seed}")
            for k, v in attrs.items():
                g.attrs[k] = v
            g.attrs["seed"] = seed
            g.create_dataset("adjacency", data=adjacency[seed].astype(np.uint8), compression="lzf")


BINARISED_ATTRS = ("regulariser", "strength", "method", "fraction", "symmetrise", "drop_diagonal")


def read_binarised(path, n_units: int | None = None) -> dict[str, Any]:
    """{"attrs", "seeds": {seed: (E+1, N, N) uint8 adjacency}}; every seed with the same shape
    (and N = ``n_units`` when given). Raises ``FormatError``."""
    with _open(path, "binarised") as (f, check):
        check.attrs(f, *BINARISED_ATTRS)
        seeds = {}
        for seed, g in check.seeds(f):
            check.shapes(g, {"adjacency": ("E+1", "N", "N")})
            seeds[seed] = g["adjacency"][()]
        check.expect("N", n_units, "the networks' unit count")
        return {"attrs": dict(f.attrs), "seeds": seeds}


# -- tables -------------------------------------------------------------------------------------


def write_tables(
    path, tables: dict[str, dict[str, np.ndarray]], attrs: dict, config: dict, step: str
) -> None:
    """Tables as groups of 1-D column datasets (strings stored as UTF-8), e.g. {"table": {...}}."""
    with atomic_h5(path, config, step) as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        for group, columns in tables.items():
            _write_columns(f.create_group(group, track_order=True), columns)


def _write_columns(group: h5py.Group, columns: dict[str, np.ndarray]) -> None:
    """One 1-D dataset per column (strings stored as UTF-8)."""
    for name, values in columns.items():
        values = np.asarray(values)
        if values.dtype.kind in "UO":
            group.create_dataset(name, data=values.astype(object), dtype=h5py.string_dtype())
        else:
            group.create_dataset(name, data=values)


def write_table(path, columns: dict[str, np.ndarray], attrs: dict, config: dict, step: str) -> None:
    """One table under /table."""
    write_tables(path, {"table": columns}, attrs, config, step)


def read_table(path, group: str = "table") -> dict[str, np.ndarray]:
    """The columns of the table under ``group`` in creation order: 1-D arrays of one length.
    Raises ``FormatError``."""
    with _open(path, "table") as (f, check):
        g = check.group(f, group)
        if not len(g):
            check.fail(f"group /{group} holds no columns")
        check.shapes(g, {name: ("rows",) for name in g})
        return {
            name: (ds.asstr()[()] if h5py.check_string_dtype(ds.dtype) else ds[()]) for name, ds in g.items()
        }


# -- activity -----------------------------------------------------------------------------------


def write_activity(
    path,
    probe: dict[str, np.ndarray],
    seeds: dict[int, dict[str, np.ndarray]],
    coordinates: np.ndarray,
    attrs: dict,
    config: dict,
) -> None:
    """probe: per-trial arrays; seeds: seed -> {"activity": (k, n, T, N), "epochs": (k,),
    "probabilities": (k, n, 4)}; coordinates (N, 3) of the units. Activity is stored
    lzf-compressed, chunked per epoch."""
    with atomic_h5(path, config, "record_activity") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        f.create_dataset("coordinates", data=coordinates)
        write_arrays(f.create_group("probe"), probe)
        for seed in sorted(seeds):
            g = f.create_group(f"seed{seed}")
            for k, v in attrs.items():
                g.attrs[k] = v
            g.attrs["seed"] = seed
            act = seeds[seed]["activity"]
            g.create_dataset(
                "activity", data=act, compression="lzf", shuffle=True, chunks=(1,) + act.shape[1:]
            )
            g.create_dataset("epochs", data=seeds[seed]["epochs"])
            g.create_dataset("probabilities", data=seeds[seed]["probabilities"])


PROBE_KEYS = ("trial_index", "maze_id", "goal", "choice_options", "correct_choice")


def read_activity(path) -> dict[str, Any]:
    """{"attrs", "coordinates", "probe": {...}, "seeds": {seed: {"activity", "epochs",
    "probabilities"}}} (layout in the module docstring). Raises ``FormatError``."""
    with _open(path, "activity") as (f, check):
        check.attrs(f, "regulariser", "strength")
        check.shapes(f, {"coordinates": ("N", 3)})
        out = {
            "attrs": dict(f.attrs),
            "coordinates": f["coordinates"][()],
            "probe": read_arrays(check.group(f, "probe")),
            "seeds": {},
        }
        if "maze_id" in out["probe"]:
            check.shapes(out["probe"], {k: ("trials",) for k in PROBE_KEYS}, "/probe")
        else:  # a task through the task interface: its mask, decision steps and conditions
            check.shapes(
                out["probe"],
                {"trial_index": ("trials",), "mask": ("trials", "T"), "decision": ("trials", "T")},
            )
        for seed, g in check.seeds(f):
            check.dims.pop("epochs", None)
            d = out["seeds"][seed] = read_arrays(g)
            check.shapes(
                d,
                {
                    "activity": ("epochs", "trials", "T", "N"),
                    "epochs": ("epochs",),
                    "probabilities": ("epochs", "trials", "O"),
                },
                g.name,
            )
        return out


# -- generative network models ------------------------------------------------------------------

GENERATIVE_SAMPLES = ("eta", "gamma", "energy", "level")
GENERATIVE_BEST = ("best_index", "best_eta", "best_gamma", "best_energy")
GENERATIVE_ATTRS = ("regulariser", "strength", "rules", "levels", "samples")


def write_generative(
    path,
    fits: dict[int, dict[int, dict]],
    table: dict[str, np.ndarray],
    attrs: dict,
    config: dict,
    ks_columns,
) -> None:
    """fits: seed -> {epoch: {"seed": search seed, "edges": m, "rules": {rule: ``generative.fit``
    result}, "robust" (optional): {rule: ``generative.robust.robust_energies`` result}}} (a seed
    with no fitted epoch: {}); table: the summary columns (one row per seed x
    epoch); attrs (regulariser, strength, search settings) go on the root. Layout in the module
    docstring."""
    with atomic_h5(path, config, "fit_generative") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        for seed in sorted(fits):
            g = f.create_group(f"seed{seed}", track_order=True)
            g.attrs["seed"] = seed
            for epoch in sorted(fits[seed]):
                fitted = fits[seed][epoch]
                ge = g.create_group(f"epoch{epoch}", track_order=True)
                ge.attrs["epoch"] = int(epoch)
                ge.attrs["seed"] = int(fitted["seed"])
                ge.attrs["edges"] = int(fitted["edges"])
                for rule, res in fitted["rules"].items():
                    gr = ge.create_group(rule)
                    for k in GENERATIVE_BEST:
                        gr.attrs[k] = res[k]
                    for k in GENERATIVE_SAMPLES:
                        gr.create_dataset(k, data=np.asarray(res[k]))
                    ks = gr.create_dataset("ks", data=np.asarray(res["ks"], np.float64))
                    ks.attrs["columns"] = list(ks_columns)
                    if rule in fitted.get("robust", {}):
                        _write_robust(gr.create_group("robust"), fitted["robust"][rule])
        _write_columns(f.create_group("table", track_order=True), table)


GENERATIVE_ROBUST = ("index", "eta", "gamma", "seeds", "energy", "ks")


def _write_robust(g, robust: dict) -> None:
    """One rule's robust re-simulations (``generative.robust.robust_energies``) into group g."""
    g.attrs["robust_energy"] = float(robust["robust_energy"])
    for k in GENERATIVE_ROBUST:
        g.create_dataset(k, data=np.asarray(robust[k]))


def _read_robust(gr, check, n_samples: int, top_k: int, repeats: int) -> dict:
    g = check.group(gr, "robust")
    check.attrs(g, "robust_energy")
    k = min(top_k, n_samples)
    check.shapes(
        g,
        {
            **{name: (k,) for name in ("index", "eta", "gamma")},
            "seeds": (k, repeats),
            "energy": (k, repeats),
            "ks": (k, repeats, 4),
        },
    )
    out = read_arrays(g)
    out["robust_energy"] = float(g.attrs["robust_energy"])
    return out


def read_generative(path) -> dict[str, Any]:
    """{"attrs", "table": {column: (rows,)}, "seeds": {seed: {epoch: {"attrs": {epoch, seed, edges},
    "rules": {rule: {eta, gamma, energy (S,), ks (S, 4), level (S,), "ks_columns", best_index,
    best_eta, best_gamma, best_energy, and "robust": {index, eta, gamma, seeds, energy, ks,
    robust_energy} when the root has ``robust_top_k``}}}}}} (layout in the module docstring). Every
    fitted epoch holds every rule of the root's ``rules`` with S = levels x samples. Raises
    ``FormatError``."""
    with _open(path, "generative") as (f, check):
        check.attrs(f, *GENERATIVE_ATTRS)
        rules = [str(r) for r in np.atleast_1d(f.attrs["rules"])]
        n_samples = int(f.attrs["levels"]) * int(f.attrs["samples"])
        out = {"attrs": dict(f.attrs), "seeds": {}}
        for seed, g in check.seeds(f):
            out["seeds"][seed] = {}
            for name, ge in g.items():
                if not (name.startswith("epoch") and isinstance(ge, h5py.Group)):
                    check.fail(f"unexpected object {ge.name} (expected epoch<e> groups)")
                check.attrs(ge, "epoch", "seed", "edges")
                fitted = {}
                for rule in rules:
                    gr = check.group(ge, rule)
                    check.attrs(gr, *GENERATIVE_BEST)
                    check.shapes(gr, {**{k: (n_samples,) for k in GENERATIVE_SAMPLES}, "ks": (n_samples, 4)})
                    check.attrs(gr["ks"], "columns")
                    res = read_arrays(gr)
                    res.update({k: gr.attrs[k] for k in GENERATIVE_BEST})
                    res["ks_columns"] = [str(c) for c in gr["ks"].attrs["columns"]]
                    if "robust_top_k" in f.attrs:
                        res["robust"] = _read_robust(
                            gr, check, n_samples, int(f.attrs["robust_top_k"]), int(f.attrs["robust_repeats"])
                        )
                    fitted[rule] = res
                out["seeds"][seed][int(ge.attrs["epoch"])] = {"attrs": dict(ge.attrs), "rules": fitted}
        g = check.group(f, "table")
        if not len(g):
            check.fail("group /table holds no columns")
        check.shapes(g, {name: ("rows",) for name in g})
        out["table"] = {
            name: (ds.asstr()[()] if h5py.check_string_dtype(ds.dtype) else ds[()]) for name, ds in g.items()
        }
        return out
