"""The workflow's steps as plain functions: paths and config sections in, files out.

Each Snakemake script is a few lines that call one of these; tests call them without Snakemake.
File formats belong to ``sernn.storage``; the science to the modules named after it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from . import binarise as binarise_mod
from . import storage
from .config import strength_label

SPLITS = ("train", "test", "validation")


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
def job(log: str | Path | None) -> Iterator[None]:
    """What every rule's script runs its work in: output to the rule's ``log`` (``logged``) and the
    garbage-collector policy of a process that ends with its job (``job_process``)."""
    with job_process(), logged(log):
        yield


def say(message: str) -> None:
    """One timestamped progress line (to the rule's log when inside ``logged``)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- dataset ------------------------------------------------------------------------------------


def generate_dataset(output: str | Path, dataset: dict) -> None:
    """Generate every split of the maze task (``sernn.task.generate``) and write it to ``output``.
    dataset: the config's ``dataset`` section."""
    from . import task

    sizes = {s: int(dataset[s]) for s in SPLITS}
    splits = task.generate(
        sizes, dataset["goal_steps"], dataset["delay_steps"], dataset["choice_steps"], seed=dataset["seed"]
    )
    attrs = {
        "seed": dataset["seed"],
        "goal_steps": dataset["goal_steps"],
        "delay_steps": dataset["delay_steps"],
        "choice_steps": dataset["choice_steps"],
        "inputs": "goal one-hot (7, 9, 17, 19) in 0-3; offered directions two-hot (l, u, r, d) in 4-7",
        "labels": "correct first step, one-hot over l, u, r, d",
        "shuffled_labels": "labels permuted over trials: the random-task control",
    }
    storage.write_dataset(output, splits, attrs, {"dataset": dataset})
    say(f"dataset: {', '.join(f'{k} {v}' for k, v in sizes.items())} problems -> {output}")


# -- geometry -----------------------------------------------------------------------------------


def geometry(model: dict, base_dir: str | Path = ".") -> tuple[np.ndarray, np.ndarray]:
    """Unit coordinates (N, 3) and distance matrix (N, N) (raised to distance_power) of ``model``."""
    from . import embedding

    if model.get("coordinates"):
        path = Path(model["coordinates"])
        coords = embedding.load_coordinates(
            path if path.is_absolute() else Path(base_dir) / path, model["n_units"]
        )
    else:
        coords = embedding.grid_coordinates(tuple(model["grid"]))
    return coords, embedding.distance_matrix(coords, model["distance_metric"], model["distance_power"])


# -- training -----------------------------------------------------------------------------------


def train_networks(
    dataset_path: str | Path,
    output: str | Path,
    *,
    strength: float,
    **kwargs,
) -> None:
    """Train one network per seed at one (regulariser, strength) and write them to ``output``
    (``train_chunk`` with one strength)."""
    train_chunk(dataset_path, {float(strength): output}, **kwargs)


def train_chunk(
    dataset_path: str | Path,
    outputs: dict[float, str | Path],
    *,
    regulariser: str,
    regulariser_type: str,
    task: str,
    seeds: Iterable[int],
    model: dict,
    training: dict,
    threads: int = 1,
    base_dir: str | Path = ".",
    config: dict | None = None,
) -> None:
    """Train a chunk of one population in this process: one network per strength (the keys of
    ``outputs``) x seed, side by side in stacks of up to ``training.stack`` networks (a stack may mix
    strengths: ``sernn.training.Trainer.train_stack``), and write each strength's seeds to its file
    ``outputs[strength]`` (layout in ``sernn.storage``). Logs one line per network as its stack
    finishes and the chunk's total."""
    from . import training as tr

    tr.configure_tensorflow(threads)
    data = storage.read_dataset(dataset_path)
    labels_key = {"maze": "labels", "random": "shuffled_labels"}[task]
    coords, distance = geometry(model, base_dir)
    strengths = [float(s) for s in outputs]
    spec = tr.TrainingSpec(
        regulariser=regulariser_type,
        strength=strengths[0],
        epochs=training["epochs"],
        batch_size=training["batch_size"],
        learning_rate=training["learning_rate"],
        noise_std=model["noise_std"],
        n_units=model["n_units"],
        comms_factor=model["comms_factor"],
    )
    networks = [(strength, int(seed)) for strength in strengths for seed in seeds]
    stack = max(1, min(int(training.get("stack", 8)), len(networks)))
    results: dict[tuple[float, int], tr.TrainingResult] = {}
    trainers = {}
    started = time.perf_counter()
    for i in range(0, len(networks), stack):  # up to `stack` networks side by side
        group = networks[i : i + stack]
        if len(group) not in trainers:
            trainers[len(group)] = tr.Trainer(
                spec, distance, n_steps=data["train"]["inputs"].shape[1], n_networks=len(group), lanes=threads
            )
        t0 = time.perf_counter()
        trained = trainers[len(group)].train_stack(
            [seed for _, seed in group], [strength for strength, _ in group], data, labels_key, progress=say
        )
        for (strength, seed), r in zip(group, trained):
            results[strength, seed] = r
            say(
                f"{regulariser} strength {strength:g} seed {seed}: validation accuracy "
                f"{r.evaluation['validation_accuracy'][-1]:.4f} after {spec.epochs} epochs "
                f"({time.perf_counter() - t0:.1f} s for {len(group)} network(s))"
                f"{' DIVERGED' if r.diverged else ''}"
            )
    say(
        f"training took {time.perf_counter() - started:.2f} s for {len(networks)} network(s), graph "
        f"tracing included"
    )
    for strength, output in outputs.items():
        attrs = {
            "regulariser": regulariser,
            "regulariser_type": regulariser_type,
            "task": task,
            "strength": float(strength),
            "strength_label": strength_label(strength),
            "comms_factor": model["comms_factor"],
            "distance_power": model["distance_power"],
            "tensorflow_threads": int(threads),
            "stack": stack,
            # trained side by side with these (weights depend on the stack to float32 rounding)
            "chunk_strengths": np.asarray(strengths, np.float64),
        }  # lanes = tensorflow_threads
        seeds_of = {seed: r for (s, seed), r in results.items() if s == float(strength)}
        storage.write_networks(output, seeds_of, coords, distance, attrs, config or {})


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


# -- binarisation -------------------------------------------------------------------------------


def binarise_networks(
    networks_path: str | Path, output: str | Path, options: dict, config: dict | None = None
) -> None:
    """Binarise every snapshot of every seed (``sernn.binarise``). options: the config's
    ``binarise`` section (method, fraction, symmetrise, drop_diagonal). A snapshot with non-finite
    weights (a diverged network) has no graph: its adjacency is stored all zero, and the metrics
    step, which sees the weights, gives it NaN measures."""
    nets = storage.read_networks(networks_path)
    adjacency = {}
    for seed, d in nets["seeds"].items():
        finite = binarise_mod.finite_snapshots(d["recurrent"])
        adjacency[seed] = np.zeros(d["recurrent"].shape, np.uint8)
        if finite.any():
            adjacency[seed][finite] = binarise_mod.binarise_stack(d["recurrent"][finite], **options)
        if not finite.all():
            say(
                f"seed {seed}: non-finite weights at epochs {np.flatnonzero(~finite).tolist()} "
                f"(diverged): no graph there"
            )
    attrs = {
        "regulariser": nets["attrs"]["regulariser"],
        "strength": nets["attrs"]["strength"],
        **{k: options[k] for k in ("method", "fraction", "symmetrise", "drop_diagonal")},
        "undirected_measures_use": (
            "the adjacency as stored"
            if options["symmetrise"] != "none"
            else "A OR A^T, diagonal dropped (sernn.binarise.undirected)"
        ),
    }
    storage.write_binarised(output, adjacency, attrs, config or {})
    say(f"binarised {len(adjacency)} seeds x {next(iter(adjacency.values())).shape[0]} snapshots")


# -- metrics ------------------------------------------------------------------------------------


def null_seed(base: int, regulariser: str, strength: float, seed: int, epoch: int) -> int:
    """The seed of one network snapshot's null graphs: stable across runs, machines and job order."""
    ss = np.random.SeedSequence(
        [base, zlib.crc32(regulariser.encode()), zlib.crc32(strength_label(strength).encode()), seed, epoch]
    )
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def divergence(network: dict) -> tuple[np.ndarray, bool]:
    """(finite (E+1,) bool: which snapshots have all-finite weights, diverged: training diverged or
    some snapshot is non-finite) of one seed's network as ``storage.read_networks`` gives it."""
    finite = binarise_mod.finite_snapshots(network["recurrent"])
    return finite, bool(network["attrs"]["diverged"]) or not finite.all()


def compute_metrics(
    networks_path: str | Path,
    binarised_path: str | Path,
    output: str | Path,
    metrics: dict,
    config: dict | None = None,
) -> None:
    """One row per seed x epoch: structural metrics (``sernn.metrics.network_metrics``) plus the
    network's accuracies. metrics: the config's ``metrics`` section.

    Diverged networks: ``diverged`` is true on every row of a network whose training diverged (its
    ``diverged`` attribute) or that has non-finite weights at any snapshot, so it fails the accuracy
    filter at every epoch. Its snapshots with finite weights (those before the divergence) are
    measured as usual, since they are the network's real states; those with NaN/inf weights get
    NaN measures (``sernn.metrics.empty_metrics``). ``finite_weights`` says which rows are which."""
    from .metrics import empty_metrics, network_metrics

    nets = storage.read_networks(networks_path)
    n_units = nets["distance"].shape[0]
    binar = storage.read_binarised(binarised_path, n_units=n_units)
    if sorted(binar["seeds"]) != sorted(nets["seeds"]):
        raise storage.FormatError(
            f"binarised file {str(binarised_path)!r} holds seeds "
            f"{sorted(binar['seeds'])}, the networks file {str(networks_path)!r} "
            f"{sorted(nets['seeds'])}"
        )
    regulariser, strength = nets["attrs"]["regulariser"], float(nets["attrs"]["strength"])
    options = {"louvain_runs": metrics["louvain_runs"], "swp": metrics["small_world_propensity"]}
    rows: list[dict] = []
    t0 = time.perf_counter()
    for seed, d in nets["seeds"].items():
        adjacency = binar["seeds"][seed]
        n_snap = d["recurrent"].shape[0]
        if adjacency.shape[0] != n_snap:
            raise storage.FormatError(
                f"binarised file {str(binarised_path)!r} holds {adjacency.shape[0]} "
                f"snapshots of seed {seed}, the networks file {n_snap}"
            )
        finite, diverged = divergence(d)
        for epoch in range(n_snap):
            if not finite[epoch]:
                values = empty_metrics(**options)
            else:
                a = binarise_mod.undirected(adjacency[epoch])
                values = network_metrics(
                    d["recurrent"][epoch],
                    a,
                    nets["distance"],
                    n_nulls=metrics["n_nulls"],
                    seed=null_seed(metrics["seed"], regulariser, strength, seed, epoch),
                    gamma=metrics["modularity_gamma"],
                    **options,
                )
            hist, ev = d["history"], d["evaluation"]
            rows.append(
                {
                    "regulariser": regulariser,
                    "regulariser_type": nets["attrs"]["regulariser_type"],
                    "task": nets["attrs"]["task"],
                    "strength": strength,
                    "seed": seed,
                    "epoch": epoch,
                    "accuracy": float(hist["accuracy"][epoch - 1]) if epoch else np.nan,
                    "loss": float(hist["loss"][epoch - 1]) if epoch else np.nan,
                    "test_accuracy": float(ev["test_accuracy"][epoch]),
                    "val_accuracy": float(ev["validation_accuracy"][epoch]),
                    "diverged": diverged,
                    "finite_weights": bool(finite[epoch]),
                    **values,
                }
            )
        say(f"metrics seed {seed}: {n_snap} snapshots ({time.perf_counter() - t0:.1f} s so far)")
    columns = {k: np.asarray([r[k] for r in rows]) for k in rows[0]}
    attrs = {
        "regulariser": regulariser,
        "strength": strength,
        "n_nulls": metrics["n_nulls"],
        "null_seed_base": metrics["seed"],
    }
    storage.write_table(output, columns, attrs, config or {}, "compute_metrics")


# -- generative network models ------------------------------------------------------------------


def generative_epochs(generative: dict, analysis: dict, n_epochs: int) -> list[int]:
    """The snapshots fitted by GNMs: ``generative.epochs`` or else [analysis.epoch]."""
    epochs = generative.get("epochs") or [analysis["epoch"]]
    bad = [e for e in epochs if not 0 <= e <= n_epochs]
    if bad:
        raise ValueError(f"generative.epochs {bad} outside the trained epochs 0-{n_epochs}")
    return sorted(set(int(e) for e in epochs))


def fit_generative(
    networks_path: str | Path,
    binarised_path: str | Path,
    output: str | Path,
    generative: dict,
    analysis: dict,
    binarise: dict,
    config: dict | None = None,
) -> None:
    """Fit the GNM rules (``sernn.generative.fit``) to every seed's network at the epochs of
    ``generative_epochs``. generative, analysis, binarise: the config's sections.

    The target is the binarised network of the snapshot (``target: binarised``, undirected) or the
    authors' ``generative.authors_target`` of its weights at ``binarise.fraction`` (``authors``); D the
    networks' distance matrix. A network is fitted when it passes the accuracy filter there
    (validation accuracy >= analysis.accuracy_threshold, not diverged), or with ``fit_failing`` when
    it merely has finite weights: diverged networks and non-finite snapshots are never fitted. Every
    seed x epoch gets a table row (``generative.summary_row``: empty values when not fitted); the
    search of each is seeded by ``null_seed(generative.seed, regulariser, strength, seed, epoch)``."""
    from . import generative as gnm

    nets = storage.read_networks(networks_path)
    binar = storage.read_binarised(binarised_path, n_units=nets["distance"].shape[0])
    regulariser, strength = nets["attrs"]["regulariser"], float(nets["attrs"]["strength"])
    rules = list(generative["rules"])
    modelvar = (generative["modelvar"], generative["modelvar"])
    fits, rows = {}, []
    for seed, d in nets["seeds"].items():
        fits[seed] = {}
        finite, diverged = divergence(d)
        for epoch in generative_epochs(generative, analysis, d["recurrent"].shape[0] - 1):
            accuracy = float(d["evaluation"]["validation_accuracy"][epoch])
            passes = accuracy >= analysis["accuracy_threshold"] and not diverged
            result = None
            if finite[epoch] and not diverged and (passes or generative["fit_failing"]):
                if generative["target"] == "authors":
                    target = gnm.authors_target(d["recurrent"][epoch], binarise["fraction"])
                else:
                    target = binarise_mod.undirected(binar["seeds"][seed][epoch])
                search_seed = null_seed(generative["seed"], regulariser, strength, seed, epoch)
                t0 = time.perf_counter()
                result = gnm.fit(
                    target,
                    nets["distance"],
                    rules,
                    generative["levels"],
                    generative["samples"],
                    generative["pow"],
                    generative["eta_bounds"],
                    generative["gamma_bounds"],
                    search_seed,
                    modelvar,
                    generative["epsilon"],
                )
                fits[seed][epoch] = {"seed": search_seed, "edges": int(target.sum()) // 2, "rules": result}
            row = gnm.summary_row(result, rules)
            rows.append(
                {"regulariser": regulariser, "strength": strength, "seed": seed, "epoch": epoch, **row}
            )
            if result is None:
                why = "diverged" if diverged or not finite[epoch] else f"validation accuracy {accuracy:.3f}"
                say(f"GNM seed {seed} epoch {epoch}: not fitted ({why})")
            else:
                say(
                    f"GNM seed {seed} epoch {epoch}: best rule {row['gnm_best_rule']}, energy "
                    f"{row['gnm_best_energy']:.4f} ({time.perf_counter() - t0:.1f} s, "
                    f"{fits[seed][epoch]['edges']} edges)"
                )
    table = {k: np.asarray([r[k] for r in rows]) for k in rows[0]}
    attrs = {
        "regulariser": regulariser,
        "strength": strength,
        "rules": rules,
        "levels": int(generative["levels"]),
        "samples": int(generative["samples"]),
        "pow": float(generative["pow"]),
        "eta_bounds": np.asarray(generative["eta_bounds"], float),
        "gamma_bounds": np.asarray(generative["gamma_bounds"], float),
        "modelvar": generative["modelvar"],
        "epsilon": float(generative["epsilon"]),
        "target": generative["target"],
        "fit_failing": bool(generative["fit_failing"]),
        "seed_base": int(generative["seed"]),
        "epochs": np.asarray(sorted({r["epoch"] for r in rows})),
    }
    storage.write_generative(output, fits, table, attrs, config or {}, gnm.KS_COLUMNS)


# -- aggregate ----------------------------------------------------------------------------------


def aggregate(
    metrics_paths: Iterable[str | Path],
    output_csv: str | Path,
    analysis: dict,
    function_paths: Iterable[str | Path] = (),
    windows_csv: str | Path | None = None,
    parquet: str | Path | None = None,
    generative_paths: Iterable[str | Path] = (),
):
    """Concatenate the per-job metric tables into one tidy CSV (one row per regulariser x strength x
    seed x epoch) with ``passes_accuracy_filter`` (validation accuracy >= threshold at that epoch and
    not diverged); functional measures (``function_paths``) join on (regulariser, strength, seed,
    epoch), empty at epochs not analysed functionally, and their per-window rows go to
    ``windows_csv``; the GNM summaries (``generative_paths``, the /table of ``fit_generative``) join
    the same way, empty at epochs not fitted. Returns the DataFrame."""
    import pandas as pd

    keys = ["regulariser", "strength", "seed", "epoch"]
    df = pd.concat([pd.DataFrame(storage.read_table(p)) for p in metrics_paths], ignore_index=True)
    function_paths = list(function_paths)
    if windows_csv and not function_paths:  # functional analysis switched off: an empty table
        write_csv(pd.DataFrame(columns=keys), windows_csv)
    if function_paths:
        fn = pd.concat([pd.DataFrame(storage.read_table(p)) for p in function_paths], ignore_index=True)
        df = df.merge(fn, on=keys, how="left", validate="one_to_one")
        if windows_csv:
            win = pd.concat(
                [pd.DataFrame(storage.read_table(p, "windows")) for p in function_paths], ignore_index=True
            )
            order = keys + [c for c in win.columns if c not in keys]
            write_csv(win[order].sort_values(keys, kind="stable"), windows_csv)
    generative_paths = list(generative_paths)
    if generative_paths:
        gn = pd.concat([pd.DataFrame(storage.read_table(p)) for p in generative_paths], ignore_index=True)
        df = df.merge(gn, on=keys, how="left", validate="one_to_one")
    df = df.sort_values(keys, kind="stable").reset_index(drop=True)
    df["passes_accuracy_filter"] = (df["val_accuracy"] >= analysis["accuracy_threshold"]) & ~df["diverged"]
    write_csv(df, output_csv)
    if parquet:
        write_parquet(df, parquet)
    at = df[df["epoch"] == analysis["epoch"]]
    failed = at[~at["passes_accuracy_filter"]]
    say(
        f"aggregate: {df[['regulariser', 'strength', 'seed']].drop_duplicates().shape[0]} networks, "
        f"{len(df)} rows -> {output_csv}"
    )
    say(
        f"at epoch {analysis['epoch']}: {len(at) - len(failed)} of {len(at)} networks pass the accuracy "
        f"filter (validation accuracy >= {analysis['accuracy_threshold']})"
    )
    for _, r in failed.iterrows():
        why = "diverged" if r["diverged"] else f"validation accuracy {r['val_accuracy']:.3f}"
        say(f"  fails filter: {r['regulariser']} strength {r['strength']:g} seed {r['seed']} ({why})")
    return df


def compare_populations(csv: str | Path, output: str | Path, analysis: dict):
    """The comparison table (``sernn.analysis.compare``) of the summary at the analysed epoch."""
    import pandas as pd

    from . import analysis as an

    df = pd.read_csv(csv)
    table = an.compare(
        df,
        analysis["epoch"],
        analysis.get("accuracy_bins"),
        weight_degree=analysis.get("weight_degree", an.WEIGHT_DEGREE),
    )
    write_csv(table, output)
    n_metrics = table["metric"].nunique() if len(table) else 0  # one population: no pairs, no rows
    say(f"comparison: {len(table)} rows ({n_metrics} metrics) -> {output}")
    return table


# -- claims -------------------------------------------------------------------------------------


def paper_claims(csv: str | Path, output: str | Path, analysis: dict):
    """The claims table (``sernn.claims.evaluate_claims``) of the summary at the analysed epoch:
    one row per claim of the paper, seRNN vs L1 at matched total weight. analysis: the config's
    ``analysis`` section (epoch, weight_degree, claims: groups, alpha, n_boot, seed)."""
    import pandas as pd

    from . import analysis as an
    from . import claims

    opts = analysis.get("claims") or {}
    table = claims.evaluate_claims(
        pd.read_csv(csv),
        analysis["epoch"],
        groups=tuple(opts.get("groups", ("seRNN", "L1"))),
        alpha=opts.get("alpha", 0.05),
        n_boot=opts.get("n_boot", 2000),
        seed=opts.get("seed", 0),
        degree=analysis.get("weight_degree", an.WEIGHT_DEGREE),
    )
    write_csv(table, output)
    for _, r in table.iterrows():
        say(
            f"claim {r['claim']}: {r['measure']} {r['direction'] or '-'} (paper: {r['paper']}), "
            f"d {r['cohens_d']:.2f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}], p {r['p']:.2g}, "
            f"n {r['n_a']}/{r['n_b']}: {r['verdict']}"
        )
    return table


def write_parquet(df, path: str | Path) -> None:
    """Atomic Parquet write."""
    storage.atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def write_csv(df, path: str | Path) -> None:
    """Atomic CSV write (temporary file renamed into place)."""
    storage.atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, float_format="%.10g"))


# -- function -----------------------------------------------------------------------------------


def probe_set(dataset_path: str | Path, n_trials: int, seed: int) -> dict[str, np.ndarray]:
    """A fixed probe set: ``n_trials`` trials drawn without replacement (seeded) from the validation
    split, in sorted order. Returns per-trial arrays: trial_index, maze_id, goal (0-3 over goal
    locations 7, 9, 17, 19), choice_options (index into ``task.CHOICE_PAIRS``), correct_choice (0-3
    over l, u, r, d) and the inputs (n, T, 8)."""
    from . import task

    data = storage.read_dataset(dataset_path)["validation"]
    n_val = data["maze_id"].shape[0]
    if n_trials > n_val:
        raise ValueError(
            f"function.probe_trials = {n_trials} exceeds the validation split's "
            f"{n_val} problems (dataset.validation)"
        )
    idx = np.sort(np.random.default_rng(seed).choice(n_val, size=n_trials, replace=False))
    maze = data["maze_id"][idx].astype(np.int64)
    return {
        "trial_index": idx,
        "maze_id": maze,
        "goal": task.goal_index()[maze],
        "choice_options": task.choice_pair_code()[maze],
        "correct_choice": task.answer_index()[maze],
        "inputs": data["inputs"][idx],
    }


def function_epochs(function: dict, analysis: dict, n_epochs: int) -> list[int]:
    """The snapshots analysed functionally: ``function.epochs`` or else [analysis.epoch]."""
    epochs = function.get("epochs") or [analysis["epoch"]]
    bad = [e for e in epochs if not 0 <= e <= n_epochs]
    if bad:
        raise ValueError(f"function.epochs {bad} outside the trained epochs 0-{n_epochs}")
    return sorted(set(int(e) for e in epochs))


def probe_noise(shape: tuple[int, ...], std: float, seed: int) -> np.ndarray:
    """Gaussian input noise for the probe set, like the training's GaussianNoise layer: an array of
    ``shape`` (float32), sd ``std``, drawn from ``SeedSequence([seed, 1])``: the same for every
    network, so networks are compared on the same noisy trials."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 1]))
    return rng.normal(0.0, float(std), size=shape).astype(np.float32)


def record_activity(
    dataset_path: str | Path,
    networks_path: str | Path,
    output: str | Path,
    function: dict,
    analysis: dict,
    config: dict | None = None,
    *,
    noisy_output: str | Path | None = None,
    noise_std: float = 0.0,
) -> None:
    """Hidden-unit activity of every seed at the analysed epochs on the probe set. At an epoch whose
    weights are not all finite (a diverged network) activity and probabilities are stored as NaN
    (the function step then gives NaN measures). With ``noisy_output``, the same again on the probe
    inputs plus the training's input noise (sd ``noise_std``, the config's model.noise_std;
    ``probe_noise`` seeded by function.probe_seed), written there in the same layout."""
    from . import training as tr

    probe = probe_set(dataset_path, function["probe_trials"], function["probe_seed"])
    inputs = probe.pop("inputs")
    nets = storage.read_networks(networks_path)
    variants = {"": inputs}
    if noisy_output:
        variants["noisy "] = inputs + probe_noise(inputs.shape, noise_std, function["probe_seed"])
    recorded = {v: {} for v in variants}
    for seed, d in nets["seeds"].items():
        epochs = function_epochs(function, analysis, d["recurrent"].shape[0] - 1)
        for variant, x in variants.items():
            acts, probs = [], []
            for e in epochs:
                w = tr.weights_at(d["recurrent"], d["snapshots"], e)
                if all(np.isfinite(v).all() for v in w.values()):
                    states, p = tr.hidden_activity(w, x)
                    say(
                        f"{variant}activity seed {seed} epoch {e}: probe accuracy "
                        f"{np.mean(p.argmax(1) == probe['correct_choice']):.4f}"
                    )
                else:
                    states = np.full(x.shape[:2] + (d["recurrent"].shape[1],), np.nan, np.float32)
                    p = np.full((x.shape[0], d["output_bias"].shape[0]), np.nan, np.float32)
                    say(
                        f"{variant}activity seed {seed} epoch {e}: non-finite weights (diverged), "
                        f"activity NaN"
                    )
                acts.append(states)
                probs.append(p)
            recorded[variant][seed] = {
                "activity": np.stack(acts),
                "epochs": np.asarray(epochs),
                "probabilities": np.stack(probs),
            }
    attrs = {
        "regulariser": nets["attrs"]["regulariser"],
        "strength": nets["attrs"]["strength"],
        "probe_trials": function["probe_trials"],
        "probe_seed": function["probe_seed"],
    }
    storage.write_activity(output, probe, recorded[""], nets["coordinates"], attrs, config or {})
    if noisy_output:
        noisy_attrs = {
            **attrs,
            "input_noise_std": float(noise_std),
            "input_noise": "probe inputs + N(0, input_noise_std), SeedSequence([probe_seed, 1])",
        }
        storage.write_activity(
            noisy_output, probe, recorded["noisy "], nets["coordinates"], noisy_attrs, config or {}
        )


def compute_function(
    activity_path: str | Path,
    output: str | Path,
    function: dict,
    dataset: dict,
    config: dict | None = None,
    noisy_path: str | Path | None = None,
) -> None:
    """Functional measures (``sernn.function.function_measures``) per seed x analysed epoch: a
    ``table`` (one row each) and a ``windows`` table (one row per window / time step, the keys last).
    Activity that is not all finite (a diverged network) gives the same rows with NaN measures
    (``sernn.function.empty_measures``).

    The table also holds the goal information at the last step of the delay
    (``sernn.function.goal_at_step``): ``ev_goal_delay_end`` on the noise-free probe and, with
    ``noisy_path`` (``record_activity``'s noisy activity), ``decoding_goal_delay_end_noisy`` and
    ``ev_goal_delay_end_noisy``. On the noise-free probe a trained network's activity is a function
    of the 8 problems, so it decodes the goal perfectly at every step; with input noise networks
    differ."""
    from . import function as fn

    act = storage.read_activity(activity_path)
    noisy = storage.read_activity(noisy_path)["seeds"] if noisy_path else None
    delay_end = int(dataset["goal_steps"]) + int(dataset["delay_steps"]) - 1
    coords = act["coordinates"]
    regulariser = act["attrs"]["regulariser"]
    strength = float(act["attrs"]["strength"])
    windows = fn.default_windows(
        dataset["goal_steps"],
        dataset["delay_steps"],
        dataset["choice_steps"],
        sliding_width=function["sliding_width"],
        sliding_step=function["sliding_step"],
    )
    probe = act["probe"]
    rows, window_rows = [], []
    for seed, d in act["seeds"].items():
        for i, epoch in enumerate(d["epochs"]):
            if not np.isfinite(d["activity"][i]).all():
                scalars, win = fn.empty_measures(windows, d["activity"].shape[2])
            else:
                scalars, win = fn.function_measures(
                    d["activity"][i],
                    probe["goal"],
                    probe["choice_options"],
                    probe["correct_choice"],
                    coords,
                    windows,
                    n_perm=function["n_perm"],
                    seed=null_seed(function["seed"], regulariser, strength, seed, int(epoch)),
                    ev_threshold=function["ev_threshold"],
                    n_folds=function["n_folds"],
                )
            key = {"regulariser": regulariser, "strength": strength, "seed": seed, "epoch": int(epoch)}
            scalars = {
                **scalars,
                **_delay_end_goal(
                    d,
                    noisy,
                    seed,
                    i,
                    probe["goal"],
                    delay_end,
                    function,
                    null_seed(function["seed"], regulariser, strength, seed, int(epoch)),
                ),
            }
            rows.append({**key, **scalars})
            window_rows += [{**r, **key} for r in win]
            say(
                f"function seed {seed} epoch {epoch}: energy {scalars['energy']:.4f}, mixed "
                f"selectivity {scalars['mixed_selectivity']:.3f}"
            )
    table = {k: np.asarray([r[k] for r in rows]) for k in rows[0]}
    windows_tab = {k: np.asarray([r[k] for r in window_rows]) for k in window_rows[0]}
    attrs = {"regulariser": regulariser, "strength": strength, "n_perm": function["n_perm"]}
    storage.write_tables(
        output, {"table": table, "windows": windows_tab}, attrs, config or {}, "compute_function"
    )


def _delay_end_goal(
    d: dict, noisy: dict | None, seed: int, i: int, goal: np.ndarray, step: int, function: dict, dec_seed: int
) -> dict[str, float]:
    """The delay-end columns of ``compute_function`` for one seed's i-th analysed epoch: d is that
    seed's noise-free activity group, ``noisy`` every seed's noisy one (or None)."""
    from . import function as fn

    def at(activity):
        if not np.isfinite(activity).all():
            return {"ev_goal": float("nan"), "decoding_goal": float("nan")}
        return fn.goal_at_step(activity, goal, step, n_folds=function["n_folds"], seed=dec_seed)

    out = {"ev_goal_delay_end": at(d["activity"][i])["ev_goal"]}
    if noisy is not None:
        if not np.array_equal(noisy[seed]["epochs"], d["epochs"]):
            raise ValueError(
                f"noisy activity of seed {seed} has epochs {noisy[seed]['epochs']}, the "
                f"noise-free one {d['epochs']}"
            )
        noisy_end = at(noisy[seed]["activity"][i])
        out["decoding_goal_delay_end_noisy"] = noisy_end["decoding_goal"]
        out["ev_goal_delay_end_noisy"] = noisy_end["ev_goal"]
    return out


# -- figures ------------------------------------------------------------------------------------


def summary_figures(inputs, outputs, analysis: dict) -> None:
    """Every summary figure (``sernn.plots``). inputs: csv, windows; outputs: accuracy, structure,
    trajectories, function, function_time, structure_weight, function_weight (paths)."""
    import pandas as pd

    from . import plots

    plots.accuracy_vs_strength(inputs.csv, outputs.accuracy, analysis)
    plots.against_strength(inputs.csv, outputs.structure, analysis, plots.STRUCTURE_PANELS, "Structure")
    plots.trajectories(inputs.csv, outputs.trajectories, analysis)
    plots.against_strength(
        inputs.csv,
        outputs.structure_weight,
        analysis,
        plots.STRUCTURE_PANELS,
        "Structure against total weight",
        x="total_weight",
    )
    has_function = len(pd.read_csv(inputs.windows)) > 0
    if has_function:
        plots.against_strength(inputs.csv, outputs.function, analysis, plots.FUNCTION_PANELS, "Function")
        plots.function_over_time(inputs.windows, inputs.csv, outputs.function_time, analysis)
        plots.against_strength(
            inputs.csv,
            outputs.function_weight,
            analysis,
            plots.FUNCTION_PANELS,
            "Function against total weight",
            x="total_weight",
        )
    else:
        for path in (outputs.function, outputs.function_time, outputs.function_weight):
            plots.message(path, "functional analysis disabled (config function.enabled: false)")
    say("figures written")
