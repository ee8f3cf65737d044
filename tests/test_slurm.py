"""End-to-end: the workflow through a real (single-node) SLURM == the workflow run locally.

Starts a throw-away SLURM cluster (tests/slurm_cluster.py), runs the workflow with the tiny
test config through ``--profile profiles/slurm`` (snakemake-executor-plugin-slurm), checks
that the jobs really went through SLURM, runs the same config locally with ``--cores 2``, and
checks that every HDF5 dataset in the two results trees is bit-identical. Both runs use the
workflow profile profiles/default (Snakemake applies it to every run); threads and resources are
the rules' own.

In CI (``CI=true``) this test never skips: if SLURM cannot be started it fails. Elsewhere it
skips when not root or when the SLURM/MUNGE binaries are missing
(install them with ``bash .ci/install-slurm.sh``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import assert_results_identical  # noqa: E402
from slurm_cluster import SlurmCluster, skip_reason  # noqa: E402

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"
TINY = REPO / "tests" / "configs" / "tiny.yaml"
IN_CI = os.environ.get("CI") == "true"

# Every rule but `all` (each sets its own resources; a test in test_envs checks they all do); every
# job of them gets the small test memory below.
RULES = tuple(
    sorted(
        {
            r
            for f in (REPO / "workflow" / "rules").glob("*.smk")
            for r in re.findall(r"^rule (\w+):", f.read_text(), re.M)
        }
        - {"all"}
    )
)
# The local rules: run by Snakemake itself, never submitted to SLURM.
SUMMARY_RULES = ("aggregate", "claims", "comparison", "plot_figures", "plot_examples", "plot_generative")
SNAKEMAKE_TIMEOUT = 1200  # seconds per workflow run
SUBMIT_RE = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: ([^)]*)\)")
ARRAY_RE = re.compile(r"Submitted array job with Snakemake IDs .* and SLURM job ID (\d+)")


@pytest.fixture(scope="module")
def slurm():
    reason = skip_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but a SLURM cluster cannot be started: {reason}")
        pytest.skip(reason)
    # Any start-up failure is an error (never a skip), in CI and elsewhere.
    cluster = SlurmCluster(cluster_name="sernnci")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _tail(path: Path, n: int = 80) -> str:
    if not path.exists():
        return f"(no {path})"
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:])


def _run_snakemake(args: list[str], workdir: Path, env: dict, log: Path) -> str:
    """Run ``python -m snakemake`` (this interpreter) in ``workdir``; return its output."""
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(SNAKEFILE),
        "--configfile",
        str(TINY),
        "--nocolor",
        *args,
    ]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=SNAKEMAKE_TIMEOUT,
        )
        out, rc = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        rc = "timeout"
    log.write_text(out)
    print(f"{' '.join(cmd)}\n  -> rc={rc} in {time.monotonic() - t0:.0f}s (log: {log})")
    if rc != 0:
        pytest.fail(f"snakemake failed (rc={rc}) in {workdir}:\n{out[-6000:]}")
    return out


def _env(base: dict, **extra: str) -> dict:
    env = dict(base)
    # shell/script steps call `python`: make it this interpreter (the venv's)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(extra)
    return env


# -- the test -----------------------------------------------------------------------------------


def test_slurm_run_matches_local_run(slurm: SlurmCluster, tmp_path: Path):
    assert SNAKEFILE.exists(), f"{SNAKEFILE} missing"
    assert TINY.exists(), f"{TINY} missing"

    mem_mb = max(256, min(1000, slurm.real_memory // 4))  # small: fits any CI node
    common = [
        # applied automatically anyway (Snakemake's default workflow profile); explicit here.
        # Both runs take their thread counts from the rules: results depend on them to float rounding.
        "--workflow-profile",
        str(REPO / "profiles" / "default"),
        "--latency-wait",
        "5",
        # both strengths of a population in one chunk: one train job (and one SLURM job) each
        "--config",
        "chunk_size=2",
    ]

    # 1. through SLURM
    slurm_dir = tmp_path / "slurm"
    slurm_env = _env(
        slurm.env,
        SERNN_SLURM_ACCOUNT="sernn-ci",  # any name is accepted: no accounting on this cluster
        SERNN_SLURM_PARTITION=slurm.partition,
        SERNN_SLURM_MAX_MEM_MB=str(min(slurm.real_memory, 2 * mem_mb)),
    )
    n_before = len(slurm.submitted_job_ids())
    out = _run_snakemake(
        [
            "--profile",
            str(REPO / "profiles" / "slurm"),
            "--jobs",
            "4",
            "--cores",
            str(slurm.cpus),  # CPU cap per (group) job: one node
            *common,
            "--set-resources",
            *[f"{r}:mem_mb={mem_mb}" for r in RULES],
            # poll quickly (the defaults suit a real cluster: 40 s, growing to 180 s)
            "--slurm-init-seconds-before-status-checks",
            "2",
            "--seconds-between-status-checks",
            "2",
            "--slurm-keep-successful-logs",
        ],
        slurm_dir,
        slurm_env,
        tmp_path / "snakemake-slurm.log",
    )

    # the jobs went through SLURM
    reported = [int(i) for i, _ in SUBMIT_RE.findall(out)] + [int(i) for i in ARRAY_RE.findall(out)]
    assert reported, f"no SLURM job ids in Snakemake's output:\n{out[-4000:]}"
    submitted = slurm.submitted_job_ids()[n_before:]
    completed = set(slurm.completed_job_ids())
    print(f"SLURM jobs reported by Snakemake: {reported}; slurmctld accepted: {submitted}")
    assert set(reported) <= set(submitted), (
        f"Snakemake reported SLURM ids {reported} but slurmctld logged {submitted}\n" + _tail(slurm.ctld_log)
    )
    assert set(reported) <= completed, (
        f"not every SLURM job completed with exit 0: {sorted(set(reported) - completed)}\n"
        + _tail(slurm.ctld_log)
    )
    results_slurm = slurm_dir / "results"
    # a chunk is one SLURM job: one train job per chunk directory, each holding its 2 strengths
    chunks = sorted(p for p in (results_slurm / "networks").glob("*/*") if p.is_dir())
    train_jobs = [log for _, log in SUBMIT_RE.findall(out) if "/rule_train/" in log]
    assert [p.name for p in chunks] == ["c000-n2", "c000-n2"], chunks
    assert all(len(list(p.glob("*.h5"))) == 2 for p in chunks)
    assert len(train_jobs) == len(chunks), (
        f"{len(chunks)} chunks but {len(train_jobs)} train jobs submitted to SLURM: {train_jobs}"
    )
    # binarise + compute_metrics are bundled into group jobs by the profile
    assert any("/group_postprocess" in log for _, log in SUBMIT_RE.findall(out)), (
        "no 'postprocess' group job was submitted"
    )
    assert len(reported) < len(re.findall(r"^Finished jobid: ", out, re.M)), (
        "expected fewer SLURM jobs than Snakemake jobs (grouping, local rules)"
    )
    submitted_logs = [log for _, log in SUBMIT_RE.findall(out)]
    local = [r for r in SUMMARY_RULES if any(f"/rule_{r}/" in log for log in submitted_logs)]
    assert not local, f"local rules submitted to SLURM: {local}"

    # 2. locally
    local_dir = tmp_path / "local"
    _run_snakemake(
        ["--cores", "2", *common],
        local_dir,
        _env(os.environ),
        tmp_path / "snakemake-local.log",
    )

    # 3. every HDF5 dataset (and attribute but the volatile ones) bit-identical, other files byte for byte
    assert assert_results_identical(results_slurm, local_dir / "results") > 0
