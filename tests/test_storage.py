"""sernn.storage: every reader checks the layout of what it reads and names the file and the problem
(one error type, ``storage.FormatError``); writes are atomic even when the writing process dies."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

from sernn import embedding, steps, storage
from sernn.training import TrainingResult

REPO = Path(__file__).resolve().parents[1]
N, E, SEEDS = 6, 2, (0, 3)


def training_result(seed: int, n: int = N, epochs: int = E) -> TrainingResult:
    """A network as training returns it (random numbers, the documented shapes)."""
    rng = np.random.default_rng(seed)

    def r(*shape):
        return rng.normal(size=shape).astype(np.float32)

    snapshots = {
        "input_kernel": r(epochs + 1, 8, n),
        "recurrent_bias": r(epochs + 1, n),
        "output_kernel": r(epochs + 1, n, 4),
        "output_bias": r(epochs + 1, 4),
    }
    return TrainingResult(
        recurrent=r(epochs + 1, n, n),
        snapshots=snapshots,
        **{k: v[-1] for k, v in snapshots.items()},
        history={k: rng.uniform(size=epochs) for k in storage.HISTORY},
        evaluation={k: rng.uniform(size=epochs + 1) for k in storage.EVALUATION},
        epoch_seconds=[0.1] * epochs,
    )


def write_networks(path: Path, n: int = N) -> None:
    coords = embedding.grid_coordinates((1, 2, n // 2))
    attrs = {"regulariser": "seRNN", "regulariser_type": "seRNN", "task": "maze", "strength": 0.1}
    storage.write_networks(
        path,
        {s: training_result(s, n) for s in SEEDS},
        coords,
        embedding.distance_matrix(coords),
        attrs,
        {"model": {"n_units": n}},
    )


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> dict[str, Path]:
    """One real file of every kind, written by its writer (the pipeline's where it is cheap)."""
    d = tmp_path_factory.mktemp("real")
    out = {k: d / f"{k}.h5" for k in ("dataset", "networks", "binarised", "table", "activity", "generative")}
    steps.dataset.generate_dataset(
        out["dataset"],
        {
            "seed": 1,
            "goal_steps": 3,
            "delay_steps": 1,
            "choice_steps": 2,
            "train": 16,
            "test": 8,
            "validation": 8,
        },
    )
    write_networks(out["networks"])
    steps.structure.binarise_networks(
        out["networks"],
        out["binarised"],
        {"method": "proportional", "fraction": 0.2, "symmetrise": "max", "drop_diagonal": True},
    )
    table = {
        "seed": np.array([0, 3]),
        "modularity": np.array([0.1, 0.2]),
        "regulariser": np.array(["seRNN", "seRNN"]),
    }
    windows = {"window": np.array(["goal"]), "ev": np.array([0.5])}
    storage.write_tables(
        out["table"], {"table": table, "windows": windows}, {"regulariser": "seRNN"}, {}, "compute_function"
    )
    probe = {k: np.arange(5) for k in storage.PROBE_KEYS}
    seeds = {
        s: {
            "activity": np.ones((1, 5, 6, N), np.float32),
            "epochs": np.array([2]),
            "probabilities": np.full((1, 5, 4), 0.25, np.float32),
        }
        for s in SEEDS
    }
    storage.write_activity(
        out["activity"],
        probe,
        seeds,
        embedding.grid_coordinates((1, 2, 3)),
        {"regulariser": "seRNN", "strength": 0.1},
        {},
    )
    steps.generative.fit_generative(
        out["networks"],
        out["binarised"],
        out["generative"],
        GENERATIVE,
        {"accuracy_threshold": 0.0, "epoch": E},
        {"fraction": 0.2},
    )
    return out


#: A tiny GNM search of every snapshot (levels x samples = GNM_S samples per rule).
GENERATIVE = {
    "rules": ["sptl", "matching"],
    "levels": 2,
    "samples": 3,
    "pow": 2.0,
    "eta_bounds": [-7, 7],
    "gamma_bounds": [-7, 7],
    "modelvar": "powerlaw",
    "epsilon": 1e-5,
    "target": "binarised",
    "fit_failing": True,
    "epochs": list(range(E + 1)),
    "seed": 4,
}
GNM_S = 6


READERS = {
    "dataset": storage.read_dataset,
    "networks": storage.read_networks,
    "binarised": storage.read_binarised,
    "table": storage.read_table,
    "activity": storage.read_activity,
    "generative": storage.read_generative,
}


def test_real_files_read_back(real):
    """The uncorrupted files pass every check (the checks accept what the writers write)."""
    assert set(storage.read_dataset(real["dataset"])) == {"train", "test", "validation"}
    nets = storage.read_networks(real["networks"], n_units=N)
    assert sorted(nets["seeds"]) == list(SEEDS) and nets["seeds"][3]["recurrent"].shape == (E + 1, N, N)
    assert storage.read_binarised(real["binarised"], n_units=N)["seeds"][0].shape == (E + 1, N, N)
    assert list(storage.read_table(real["table"])) == ["seed", "modularity", "regulariser"]
    assert list(storage.read_table(real["table"], "windows")) == ["window", "ev"]
    assert storage.read_activity(real["activity"])["seeds"][3]["activity"].shape == (1, 5, 6, N)
    gen = storage.read_generative(real["generative"])
    assert sorted(gen["seeds"]) == list(SEEDS) and sorted(gen["seeds"][3]) == list(range(E + 1))
    fit = gen["seeds"][3][E]["rules"]["matching"]
    assert fit["ks"].shape == (GNM_S, 4) and fit["ks_columns"] == [
        "degree",
        "clustering",
        "betweenness",
        "edge_length",
    ]
    assert fit["best_energy"] == fit["energy"].min() == gen["table"]["gnm_energy_matching"][-1]
    assert len(gen["table"]["seed"]) == len(SEEDS) * (E + 1)


def corrupt_copy(src: Path, dst: Path, edit) -> Path:
    shutil.copyfile(src, dst)
    if callable(edit):
        with h5py.File(dst, "r+") as f:
            edit(f)
    return dst


def reshape(name: str, shape: tuple):
    def edit(f):
        dtype = f[name].dtype
        del f[name]
        f.create_dataset(name, data=np.zeros(shape, dtype))

    return edit


def drop(name: str):
    def edit(f):
        del f[name]

    return edit


def drop_attr(obj: str, attr: str):
    def edit(f):
        del f[obj].attrs[attr]

    return edit


#: kind -> [(what is done to a real file, words the message must hold)].
CORRUPTIONS = {
    "dataset": [
        (drop("validation"), "missing group /validation"),
        (drop("train/labels"), "missing dataset /train/labels"),
        (reshape("test/labels", (8, 3)), "/test/labels has shape (8, 3), expected (8, 4)"),
        (reshape("test/maze_id", (7,)), "/test/maze_id has shape (7,), expected (8,)"),
        (
            reshape("validation/inputs", (8, 5, 8)),
            "/validation/inputs has shape (8, 5, 8), expected (8, 6, 8)",
        ),
    ],
    "networks": [
        (drop("seed3/recurrent"), "missing dataset /seed3/recurrent"),
        (drop("seed0/snapshots"), "missing group /seed0/snapshots"),
        (drop("distance"), "missing dataset /distance"),
        (reshape("seed3/recurrent", (E + 1, N, N + 1)), "/seed3/recurrent has shape"),
        (reshape("seed0/snapshots/recurrent_bias", (E, N)), "/seed0/snapshots/recurrent_bias has shape"),
        (reshape("seed0/history/loss", (E + 1,)), "/seed0/history/loss has shape"),
        (reshape("coordinates", (N, 2)), "/coordinates has shape (6, 2), expected (6, 3)"),
        (drop_attr("seed3", "diverged"), "/seed3 lacks the attribute(s) diverged"),
        (drop_attr("seed3", "seed"), "/seed3 lacks the attribute(s) seed"),
        (drop_attr("/", "strength"), "lacks the attribute(s) strength"),
        (lambda f: [f.__delitem__(f"seed{s}") for s in SEEDS], "holds no seed<k> groups"),
    ],
    "binarised": [
        (drop("seed0/adjacency"), "missing dataset /seed0/adjacency"),
        (reshape("seed3/adjacency", (E + 1, N - 1, N - 1)), "/seed3/adjacency has shape"),
        (drop_attr("/", "fraction"), "lacks the attribute(s) fraction"),
    ],
    "table": [
        (drop("table"), "missing group /table"),
        (reshape("table/modularity", (3,)), "/table/modularity has shape (3,), expected (2,)"),
        (reshape("table/seed", (2, 1)), "/table/seed has shape (2, 1)"),
    ],
    "activity": [
        (drop("probe/goal"), "missing dataset /probe/goal"),
        (reshape("seed3/activity", (1, 5, 6, N + 2)), "/seed3/activity has shape"),
        (reshape("seed0/probabilities", (1, 4, 4)), "/seed0/probabilities has shape"),
        (drop_attr("/", "regulariser"), "lacks the attribute(s) regulariser"),
    ],
    "generative": [
        (drop("seed0/epoch2/matching/energy"), "missing dataset /seed0/epoch2/matching/energy"),
        (drop("seed3/epoch1/sptl"), "missing group /seed3/epoch1/sptl"),
        (
            reshape("seed3/epoch0/matching/ks", (GNM_S, 3)),
            "/seed3/epoch0/matching/ks has shape (6, 3), expected (6, 4)",
        ),
        (
            reshape("seed0/epoch2/sptl/eta", (GNM_S - 1,)),
            "/seed0/epoch2/sptl/eta has shape (5,), expected (6,)",
        ),
        (
            drop_attr("seed0/epoch2/matching", "best_energy"),
            "/seed0/epoch2/matching lacks the attribute(s) best_energy",
        ),
        (drop_attr("seed0/epoch2/matching/ks", "columns"), "ks lacks the attribute(s) columns"),
        (drop_attr("seed3/epoch1", "edges"), "/seed3/epoch1 lacks the attribute(s) edges"),
        (drop_attr("/", "rules"), "lacks the attribute(s) rules"),
        (drop("table"), "missing group /table"),
        (reshape("table/gnm_best_energy", (2,)), "/table/gnm_best_energy has shape (2,), expected (6,)"),
        (lambda f: [f.__delitem__(f"seed{s}") for s in SEEDS], "holds no seed<k> groups"),
    ],
}


@pytest.mark.parametrize("kind, i", [(k, i) for k, v in CORRUPTIONS.items() for i in range(len(v))])
def test_reader_names_file_and_layout_problem(real, tmp_path, kind, i):
    edit, words = CORRUPTIONS[kind][i]
    bad = corrupt_copy(real[kind], tmp_path / f"bad_{kind}.h5", edit)
    with pytest.raises(storage.FormatError) as info:
        READERS[kind](bad)
    assert str(bad) in str(info.value) and words in str(info.value), str(info.value)


@pytest.mark.parametrize("kind", READERS)
@pytest.mark.parametrize(
    "damage, words",
    [
        ("empty", "is empty"),
        ("truncated", "is not a readable HDF5 file"),
        ("text", "is not a readable HDF5 file"),
        ("missing", "does not exist"),
    ],
)
def test_reader_names_file_that_is_not_hdf5(real, tmp_path, kind, damage, words):
    bad = tmp_path / f"{kind}.h5"
    data = real[kind].read_bytes()
    if damage == "empty":
        bad.write_bytes(b"")
    elif damage == "truncated":  # as a job killed while copying it would leave it
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "text":
        bad.write_text("seed,modularity\n0,0.3\n")
    with pytest.raises(storage.FormatError) as info:
        READERS[kind](bad)
    assert str(bad) in str(info.value) and words in str(info.value), str(info.value)


@pytest.mark.parametrize("kind", ["networks", "binarised", "table", "activity", "generative"])
def test_dataset_of_another_tool_or_another_kind_is_named(real, tmp_path, kind):
    """A valid HDF5 file of another layout: some other tool's, or another step's output."""
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("X", data=np.zeros((10, 3)))
        f.create_dataset("y", data=np.zeros(10))
    for path in (other, real["dataset"]):
        with pytest.raises(storage.FormatError, match=str(path)):
            READERS[kind](path)
    with pytest.raises(storage.FormatError, match="missing group /train"):
        storage.read_dataset(other)


def test_networks_with_another_unit_count_than_expected(real):
    with pytest.raises(storage.FormatError, match=r"holds 6 units, expected 100 \(model.n_units\)"):
        storage.read_networks(real["networks"], n_units=100)
    with pytest.raises(storage.FormatError, match=r"holds 6 units, expected 12"):
        storage.read_binarised(real["binarised"], n_units=12)


def test_metrics_step_names_binarised_file_of_other_seeds(real, tmp_path):
    other = tmp_path / "binarised.h5"
    corrupt_copy(
        real["binarised"], other, lambda f: f.move("seed3", "seed4") or f["seed4"].attrs.modify("seed", 4)
    )
    with pytest.raises(storage.FormatError, match=r"holds seeds \[0, 4\].*\[0, 3\]"):
        steps.structure.compute_metrics(
            real["networks"],
            other,
            tmp_path / "m.h5",
            {
                "n_nulls": 2,
                "seed": 0,
                "modularity_gamma": 1.0,
                "louvain_runs": 0,
                "small_world_propensity": False,
            },
        )


# -- coordinates files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("text.csv", "x,y,z\na,b,c\nd,e,f\n", "line 2 is not numbers: 'a,b,c'"),
        ("ragged.csv", "0,0,0\n1,1\n", "rows hold different numbers of values"),
        ("empty.csv", "# nothing\n\n", "holds no rows of numbers"),
        ("binary.csv", b"\x89HDF\r\n\x1a\n\xff\xfe\x00", "is not a text file"),
        ("strings.npy", np.array([["a", "b", "c"]] * 6), "holds <U1 values, not numbers"),
        ("pickled.npy", np.array([{"a": 1}] * 6, dtype=object), "is not a readable .npy array"),
        ("truncated.npy", "truncate", "is not a readable .npy array"),
        ("shape.npy", np.zeros((6, 2)), "holds shape (6, 2), expected (6, 3)"),
        ("nan.csv", "0,0,0\n1,nan,1\n2,2,2\n3,3,3\n4,4,4\n5,5,5\n", "non-finite values"),
    ],
)
def test_coordinates_file_problems_are_named(tmp_path, name, content, words):
    path = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(path, content, allow_pickle=True)
    elif content == "truncate":
        np.save(path, np.zeros((6, 3)))
        path.write_bytes(path.read_bytes()[:100])
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(storage.FormatError) as info:
        embedding.load_coordinates(path, 6)
    assert str(path) in str(info.value) and words in str(info.value), str(info.value)


def test_coordinates_files_that_are_right_load(tmp_path):
    coords = np.random.default_rng(0).normal(size=(6, 3))
    np.save(tmp_path / "c.npy", coords)
    np.savetxt(tmp_path / "c.csv", coords, delimiter=",", header="x,y,z")
    np.savetxt(tmp_path / "c.txt", coords)
    for name in ("c.npy", "c.csv", "c.txt"):
        np.testing.assert_array_equal(embedding.load_coordinates(tmp_path / name, 6), coords)


# -- atomic writes ------------------------------------------------------------------------------


def test_exception_while_writing_leaves_the_old_file_and_no_temporary(real, tmp_path):
    target = tmp_path / "networks.h5"
    shutil.copyfile(real["networks"], target)
    before = target.read_bytes()
    with pytest.raises(RuntimeError, match="disk on fire"):
        with storage.atomic_h5(target, {}, "train") as f:
            f.create_dataset("coordinates", data=np.zeros((N, 3)))
            raise RuntimeError("disk on fire")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["networks.h5"]


KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    import test_storage
    from sernn import storage

    real_write_arrays = storage.write_arrays
    def write_arrays(group, arrays, compression=None):  # the first seed's arrays, then a SIGKILL
        real_write_arrays(group, arrays, compression)
        group.file.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    storage.write_arrays = write_arrays
    {write}
""")


def run_killed(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_writer_killed_during_the_write_leaves_no_file_at_the_target(tmp_path):
    """A process killed (SIGKILL: no clean-up) after part of a networks file is written leaves only
    a temporary file beside the target; the next write of that target removes it."""
    target = tmp_path / "networks" / "0.1.h5"
    proc = run_killed(
        KILLED_WRITER.format(tests=str(REPO / "tests"), write=f"test_storage.write_networks({str(target)!r})")
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not target.exists()
    stale = list(target.parent.glob(".0.1.h5.*.tmp"))
    assert len(stale) == 1 and stale[0].stat().st_size > 0
    with h5py.File(stale[0], "r", locking=False) as f:  # part-written: the first seed, not the second
        assert "seed0/recurrent" in f and "seed3" not in f
    write_networks(target)  # the rerun
    assert sorted(p.name for p in target.parent.iterdir()) == ["0.1.h5"]
    assert sorted(storage.read_networks(target)["seeds"]) == list(SEEDS)


def test_atomic_write_of_other_files_cleans_stale_temporaries(tmp_path):
    target = tmp_path / "metrics.csv"
    stale = tmp_path / ".metrics.99999.tmp.csv"
    stale.write_text("half a tab")
    other = tmp_path / ".other.99999.tmp.csv"
    other.write_text("another target's")
    with pytest.raises(ValueError):
        storage.atomic_write(target, lambda tmp: (tmp.write_text("x"), int("boom")))
    assert not target.exists() and not stale.exists() and other.exists()
    storage.atomic_write(target, lambda tmp: tmp.write_text("a,b\n"))
    assert target.read_text() == "a,b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.99999.tmp.csv", "metrics.csv"]


# -- task datasets (a task through the task interface) -----------------------------------------------


def _trials(n, t, i, o, rng):
    from sernn.task import Trials

    mask = (rng.random((n, t)) < 0.8).astype(np.float32)
    return Trials(
        rng.normal(size=(n, t, i)).astype(np.float32),
        np.eye(o, dtype=np.float32)[rng.integers(0, o, (n, t))],
        mask,
        mask > 0,
        {"answer": rng.integers(0, o, n).astype(float), "coh": rng.random(n)},
    )


def test_task_dataset_reads_back_and_bad_layouts_are_named(tmp_path):
    rng = np.random.default_rng(0)
    splits = {s: _trials(n, 7, 3, 5, rng) for s, n in (("train", 20), ("test", 6), ("validation", 6))}
    storage.write_task_dataset(tmp_path / "t.h5", splits, {"task": "{}", "seed": 1}, {})
    back = storage.read_task_dataset(tmp_path / "t.h5")
    for s, t in splits.items():
        for k in ("inputs", "targets", "mask", "decision"):
            assert back[s][k].tobytes() == getattr(t, k).tobytes() and back[s][k].dtype == getattr(t, k).dtype
        assert back[s]["conditions"]["coh"].tobytes() == t.conditions["coh"].tobytes()
    bad = dict(splits, test=_trials(6, 8, 3, 5, rng))  # another trial length in one split
    storage.write_task_dataset(tmp_path / "bad.h5", bad, {}, {})
    with pytest.raises(storage.FormatError, match=r"bad.h5.*/test"):
        storage.read_task_dataset(tmp_path / "bad.h5")
    short = dict(splits)
    t = splits["train"]
    short["train"] = type(t)(t.inputs, t.targets, t.mask, t.decision, {"answer": np.zeros(3)})
    storage.write_task_dataset(tmp_path / "short.h5", short, {}, {})
    with pytest.raises(storage.FormatError, match="conditions/answer"):
        storage.read_task_dataset(tmp_path / "short.h5")
