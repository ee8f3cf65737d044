# Chunk integrity (sernn.manifest), checked when the Snakefile is parsed (check_chunks, called by the
# Snakefile after the last include), before any job runs: every existing chunk directory against
# the record its job wrote. A chunk with a file lost or altered is remade, with everything
# downstream of it: its directory is moved to results/damaged/ (never deleted), what was made from
# it is removed (remake); the terminal and results/logs/integrity.log name each file. Only the
# pipeline's own outputs are moved or removed. A removed temporary intermediate (activity, with
# keep_activity false) is expected, not damage.
import sernn.manifest as sernn_manifest


def intermediate(path):
    """An output read by one step only (activity), so Snakemake's temp() unless config
    keep_activity. Once removed it is expected: the check skips directories that do not exist."""
    return path if config["keep_activity"] else temp(path)


def chunk_stages():
    """The chunk directory stages the config makes (networks, binarised, ...)."""
    stages = ["networks", "binarised", "metrics"]
    if config["function"]["enabled"]:
        stages += ["activity", "activity_noisy", "function"]
    if config["generative"]["enabled"]:
        stages.append("generative")
    return stages


def expected_chunk_files():
    """Chunk directory -> the file names its job writes (one per strength of the chunk)."""
    return {
        f"{RESULTS}/{stage}/{r}/{c}": [f"{lab}.h5" for lab in POPULATIONS[r]["chunks"][c]]
        for stage in chunk_stages()
        for r, c in chunk_jobs()
    }


def integrity_report(checks, seconds):
    """The lines the terminal and the integrity log show for the damaged chunks of ``checks``."""
    damaged = [c for c in checks if c.problems]
    unrecorded = [c for c in checks if not c.record and not c.problems]
    hashed = sum(c.hashed for c in checks)
    lines = [
        f"chunk check: {len(checks)} chunk directories checked in {seconds:.3f} s ({hashed} file(s) "
        f"hashed), {len(damaged)} damaged"
    ]
    for c in damaged:
        lines.append(
            f"DAMAGED chunk {c.directory}: {'; '.join(c.problems)}: it is remade with everything downstream"
        )
    if unrecorded:
        lines.append(
            f"{len(unrecorded)} chunk directories have no record (written before records existed, or "
            f"by a job that did not finish), not checked: e.g. {unrecorded[0].directory}"
        )
    return damaged, lines


def dry_run():
    """Whether this is a dry run (-n): Snakemake tells the Snakefile only after parsing it, so
    the command line says."""
    flags = ("--dry-run", "--dryrun", "--dry_run")
    return any(a in flags or (a[:1] == "-" and a[1:2] != "-" and "n" in a[1:]) for a in sys.argv[1:])


#: stage -> the stages made from it (of the same chunk)
DOWNSTREAM_STAGES = {
    "networks": ["binarised", "metrics", "activity", "activity_noisy", "function", "generative"],
    "binarised": ["metrics", "generative"],
    "activity": ["function"],
    "activity_noisy": ["function"],
}


def set_aside(directory):
    """Move a damaged chunk directory to results/damaged/ (its path below results kept); returns
    where it went."""
    import shutil
    import time

    target = Path(RESULTS) / "damaged" / Path(directory).relative_to(RESULTS)
    if target.exists():
        target = target.with_name(f"{target.name}.{time.strftime('%Y%m%dT%H%M%S')}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(directory), str(target))
    return target


def remake(damaged):
    """Make Snakemake remake the damaged chunk directories and what was made from them: each is
    set aside (``set_aside``); the chunk directories of the same chunk at the stages downstream
    (``DOWNSTREAM_STAGES``) and the aggregate tables are removed. (Snakemake makes a missing
    intermediate only when something it feeds must be made: without the aggregate's tables, the
    whole chain from the damaged chunk is remade; the summary after them by their times.) Returns
    the lines saying so."""
    import shutil

    damaged = [str(d) for d in damaged]
    lines, gone = [], set(damaged)
    for directory in damaged:
        stage, regulariser, chunk = Path(directory).relative_to(RESULTS).parts
        lines.append(
            f"set aside {directory} -> {set_aside(directory)} (delete it when you no longer need it)"
        )
        for down in DOWNSTREAM_STAGES.get(stage, []):
            d = f"{RESULTS}/{down}/{regulariser}/{chunk}"
            if d not in gone and Path(d).is_dir():
                shutil.rmtree(d)
                gone.add(d)
                lines.append(f"removed {d} (made from the damaged chunk)")
    for table in rules.aggregate.output:
        if Path(table).exists():
            Path(table).unlink()
            lines.append(f"removed {table} (made from the damaged chunk)")
    return lines


def check_chunks():
    """Check every existing chunk directory (main Snakemake process only: not in the processes
    that run single jobs, nor while another run holds the directory) and set the damaged ones aside (``set_aside``), so that they are remade
    with everything downstream; say which files were lost or altered, on the terminal and in
    results/logs/integrity.log. A dry run only says it."""
    import time

    if not workflow.is_main_process:
        return
    if any(Path(".snakemake", "locks").glob("*.lock")):  # another run may be writing chunks now
        logger.warning("chunk check skipped: another Snakemake run holds this directory (its locks)")
        return
    t0 = time.perf_counter()
    checks = sernn_manifest.scan(expected_chunk_files())
    damaged, lines = integrity_report(checks, time.perf_counter() - t0)
    if damaged and dry_run():
        lines.append("dry run: the damaged chunks stay in place; a run without -n remakes them")
    elif damaged:
        lines += remake([c.directory for c in damaged])
        log = Path(RESULTS) / "logs" / "integrity.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as fh:
            fh.write("".join(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {line}\n" for line in lines))
    for line in lines[1:]:
        logger.warning(line)
