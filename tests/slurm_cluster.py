"""A throw-away, single-node SLURM cluster for integration tests.

``SlurmCluster`` (a context manager) starts, inside a fresh temporary
directory:

* ``munged`` with a freshly generated key and its own socket, pid, seed and
  log files (so it never touches or depends on a system MUNGE daemon);
* ``slurmctld`` and ``slurmd`` (both in the foreground, ``-D``, as child
  processes) from a generated ``slurm.conf`` with one node (``localhost``),
  one default partition, no accounting, ``select/cons_tres`` and free TCP
  ports, with every state/spool/log/pid path inside the temporary directory;

waits until ``sinfo`` reports the node idle, and on exit cancels all jobs and
stops every process it started by process id (plus any ``slurmstepd`` that
belongs to this cluster, found by its ``SLURM_CONF``), then removes the
directory (unless ``keep=True``).

Clients (``sbatch``, ``squeue``, ``scancel``, Snakemake with the SLURM
executor plugin) need ``SLURM_CONF``; use ``cluster.env``, a copy of
``os.environ`` with SLURM_CONF set and ``<root>/bin`` first on PATH. That
directory holds wrappers for the client commands that set SLURM_CONF
themselves, because the Snakemake jobstep plugin strips SLURM_CONF from the
environment before it calls ``srun`` inside a job (see
``_write_client_wrappers``). ``cluster.client_env`` has just the additions.

The daemons run as the current user, which must be root (slurmd has to be
root to launch jobs). ``skip_reason()`` says why a cluster cannot be started
here (not root, binaries missing), or returns ``None``.

Used by ``tests/test_slurm.py``; can also be run by hand::

    python tests/slurm_cluster.py      # start, submit one job, stop
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scancel", "sinfo", "scontrol", "srun")

# sbin directories are not always on PATH (e.g. for non-login shells)
_EXTRA_PATH = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def which(name: str) -> str | None:
    """``shutil.which`` that also looks in the sbin directories."""
    path = os.environ.get("PATH", "")
    return shutil.which(name, path=os.pathsep.join([path, *_EXTRA_PATH]))


def skip_reason() -> str | None:
    """Why a SLURM cluster cannot be started on this machine, or None."""
    if os.name != "posix":
        return "SLURM needs a POSIX system"
    if os.geteuid() != 0:
        return "starting slurmd needs root (run as root, or in CI)"
    missing = [b for b in DAEMONS + CLIENTS if which(b) is None]
    if missing:
        return (
            "SLURM/MUNGE binaries not found: "
            + ", ".join(missing)
            + " (install with: bash .ci/install-slurm.sh)"
        )
    return None


def _free_ports(n: int) -> list[int]:
    """n distinct currently unused TCP ports on localhost."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def node_hardware() -> tuple[int, int]:
    """(CPUs, RealMemory in MB) as ``slurmd -C`` reports them."""
    out = subprocess.run(
        [which("slurmd") or "slurmd", "-C"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    cpus = int(re.search(r"\bCPUs=(\d+)", out).group(1))
    mem = int(re.search(r"\bRealMemory=(\d+)", out).group(1))
    return cpus, mem


class SlurmStartError(RuntimeError):
    pass


class SlurmCluster:
    """Single-node SLURM in a temporary directory (use as a context manager).

    Attributes available once started:
      root         temporary directory holding everything
      conf         path of the generated slurm.conf
      env          os.environ copy with SLURM_CONF (and PATH incl. sbin) set
      client_env   only the variables added for clients
      partition    name of the (default) partition
      cpus, real_memory  what the node was configured with (MB)
      ctld_log, slurmd_log, munge_log   log file paths
    """

    def __init__(
        self,
        *,
        cluster_name: str = "sernntest",
        partition: str = "debug",
        base_dir: str | os.PathLike | None = None,
        keep: bool = False,
        start_timeout: float = 60.0,
        min_job_age: int = 300,
        real_memory: int | None = None,
    ) -> None:
        self.cluster_name = cluster_name
        self.partition = partition
        self.base_dir = base_dir
        self.keep = keep
        self.start_timeout = start_timeout
        # MinJobAge: how long finished jobs stay visible to squeue. The
        # Snakemake SLURM plugin's "squeue" status command relies on it, and
        # silently falls back to sacct (unusable without accounting) when it
        # is < 3 * init_seconds_before_status_checks.
        self.min_job_age = min_job_age
        self._real_memory_override = real_memory
        self._procs: dict[str, subprocess.Popen] = {}
        self.root: Path | None = None

    # ------------------------------------------------------------------ paths
    def _p(self, *parts: str) -> Path:
        assert self.root is not None
        return self.root.joinpath(*parts)

    @property
    def conf(self) -> Path:
        return self._p("etc", "slurm.conf")

    @property
    def munge_socket(self) -> Path:
        return self._p("munge", "munge.socket.2")

    @property
    def ctld_log(self) -> Path:
        return self._p("log", "slurmctld.log")

    @property
    def slurmd_log(self) -> Path:
        return self._p("log", "slurmd.log")

    @property
    def munge_log(self) -> Path:
        return self._p("log", "munged.log")

    @property
    def client_env(self) -> dict[str, str]:
        return {
            "SLURM_CONF": str(self.conf),
            "PATH": os.pathsep.join([str(self._p("bin")), os.environ.get("PATH", ""), *_EXTRA_PATH]),
        }

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # a SLURM_* variable from an enclosing job would confuse the clients
        for k in list(env):
            if k.startswith(("SLURM_", "SBATCH_", "SRUN_", "SQUEUE_")):
                del env[k]
        env.update(self.client_env)
        return env

    # ---------------------------------------------------------------- helpers
    def run(self, *args: str, check: bool = True, timeout: float = 60, **kw):
        """Run a SLURM client command against this cluster."""
        return subprocess.run(
            list(args),
            env=self.env,
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kw,
        )

    def _log_tails(self, n: int = 30) -> str:
        out = []
        for log in (self.munge_log, self.ctld_log, self.slurmd_log):
            for p in (log, log.with_suffix(".out")):
                if p.exists():
                    lines = p.read_text(errors="replace").splitlines()[-n:]
                    out.append(f"--- {p.name} (last {len(lines)} lines) ---")
                    out.extend(lines)
        return "\n".join(out)

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        out = open(self._p("log", f"{name}.out"), "ab")
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.root,
                start_new_session=True,  # no terminal signals from the test run
            )
        finally:
            out.close()
        self._procs[name] = proc
        return proc

    def _wait_for(self, what: str, predicate, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise SlurmStartError(
                        f"{name} exited with code {proc.returncode} while "
                        f"waiting for {what}\n{self._log_tails()}"
                    )
            try:
                if predicate():
                    return
            except (subprocess.SubprocessError, OSError):
                pass
            time.sleep(0.25)
        raise SlurmStartError(f"timed out waiting for {what}\n{self._log_tails()}")

    # ------------------------------------------------------------- lifecycle
    def _write_conf(self) -> None:
        cpus, mem = node_hardware()
        if self._real_memory_override is not None:
            mem = min(mem, int(self._real_memory_override))
        self.cpus, self.real_memory = cpus, mem
        self.ctld_port, self.slurmd_port = _free_ports(2)
        r = self.root
        self._p("etc", "plugstack.conf").write_text("")
        conf = f"""\
# generated by tests/slurm_cluster.py -- single node, no accounting
ClusterName={self.cluster_name}
SlurmctldHost=localhost
SlurmctldPort={self.ctld_port}
SlurmdPort={self.slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool/slurmd
SlurmctldPidFile={r}/run/slurmctld.pid
SlurmdPidFile={r}/run/slurmd.pid
SlurmctldLogFile={self.ctld_log}
SlurmdLogFile={self.slurmd_log}
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig={r}/etc/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
LaunchParameters=use_interactive_step
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=500
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge={self.min_job_age}
MaxJobCount=10000
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs={cpus} RealMemory={mem} State=UNKNOWN
PartitionName={self.partition} Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
"""
        self.conf.write_text(conf)

    def _write_client_wrappers(self) -> None:
        """<root>/bin/<client> scripts that pin SLURM_CONF, first on env PATH.

        snakemake-executor-plugin-slurm-jobstep (0.6.1) runs each job as
        ``srun ... python -m snakemake ...`` but first deletes every SLURM_*
        variable except a few job-identity ones -- SLURM_CONF included -- so
        inside a job srun would look for /etc/slurm/slurm.conf (or a configless
        server via DNS SRV) and die with "Could not establish a configuration
        source". A real cluster has its config at the default place; this
        throw-away cluster does not, so the wrappers put it back.
        """
        for name in CLIENTS + ("sacct", "sshare", "sacctmgr", "sstat"):
            real = which(name)
            if real is None:
                continue
            w = self._p("bin", name)
            w.write_text(
                "#!/bin/sh\n"
                "# generated by tests/slurm_cluster.py\n"
                f"SLURM_CONF='{self.conf}'\n"
                "export SLURM_CONF\n"
                f"exec '{real}' \"$@\"\n"
            )
            w.chmod(0o755)

    def _start_munge(self) -> None:
        key = self._p("munge", "munge.key")
        subprocess.run(
            [which("mungekey"), "--create", f"--keyfile={key}", "--bits=1024"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        os.chmod(key, 0o600)
        self._spawn(
            "munged",
            [
                which("munged"),
                "--foreground",
                "--force",  # root, and a key/socket dir under /tmp
                f"--socket={self.munge_socket}",
                f"--key-file={key}",
                f"--pid-file={self._p('run', 'munged.pid')}",
                f"--seed-file={self._p('munge', 'munged.seed')}",
                f"--log-file={self.munge_log}",
            ],
        )
        self._wait_for("the munge socket", self.munge_socket.exists, 20)

    def start(self) -> "SlurmCluster":
        reason = skip_reason()
        if reason:
            raise SlurmStartError(reason)
        self.root = Path(tempfile.mkdtemp(prefix="sernn-slurm-", dir=self.base_dir)).resolve()
        os.chmod(self.root, 0o755)  # munged --force still refuses o+w dirs
        for d in ("etc", "bin", "munge", "state", "spool/slurmd", "run", "log"):
            self._p(d).mkdir(parents=True, exist_ok=True)
        os.chmod(self._p("munge"), 0o700)
        try:
            self._write_conf()
            self._write_client_wrappers()
            self._start_munge()
            # -c: clear any saved state; -i: ignore errors reading it
            self._spawn("slurmctld", [which("slurmctld"), "-D", "-c", "-i"])
            self._wait_for(
                "slurmctld to answer",
                lambda: self.run("scontrol", "ping", check=False, timeout=10).stdout.find("UP") >= 0,
                self.start_timeout,
            )
            self._spawn("slurmd", [which("slurmd"), "-D", "-N", "localhost"])
            self._wait_for("the node to become idle", self._node_idle, self.start_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _node_idle(self) -> bool:
        out = self.run("sinfo", "-h", "-N", "-o", "%N %t", check=False, timeout=10).stdout
        return any(line.split()[:2] == ["localhost", "idle"] for line in out.splitlines())

    def _stepd_pids(self) -> list[int]:
        """slurmstepd processes of this cluster and all their descendants.

        slurmstepd detaches from slurmd, so it is not our child; it carries
        our SLURM_CONF in its environment. Job processes are its descendants
        (srun'd steps may have had SLURM_CONF stripped from their env).
        """
        if self.root is None:
            return []
        needle = f"SLURM_CONF={self.conf}".encode()
        skip = {os.getpid(), *(p.pid for p in self._procs.values())}
        stepds, children = [], {}
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) in skip:
                continue
            pid = int(d.name)
            try:
                stat = (d / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(pid)
                if (d / "cmdline").read_bytes().startswith(b"slurmstepd") and (
                    needle in (d / "environ").read_bytes().split(b"\0")
                ):
                    stepds.append(pid)
            except (OSError, IndexError, ValueError):
                continue
        found, todo = [], list(stepds)
        while todo:
            pid = todo.pop()
            if pid in found or pid in skip:
                continue
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def stop(self) -> None:
        """Cancel jobs, stop the daemons (by pid) and clean up. Idempotent."""
        procs = self._procs
        ctld = procs.get("slurmctld")
        if ctld is not None and ctld.poll() is None:
            with contextlib.suppress(Exception):
                self.run("scancel", "--full", "--user", str(os.getuid()), check=False, timeout=15)
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    out = self.run(
                        "squeue", "-h", "-t", "PD,R,CG,CF,S", "-o", "%i", check=False, timeout=10
                    ).stdout
                    if not out.strip():
                        break
                    time.sleep(0.5)
        # slurmd first (it owns the steps), then the controller, then munge
        for name in ("slurmd", "slurmctld", "munged"):
            proc = procs.get(name)
            if proc is None:
                continue
            _terminate(proc)
            if name == "slurmd":
                # normally none are left after scancel; this is the fallback
                # for a dead controller or a step that ignores signals
                _kill_pids(self._stepd_pids())
        self._procs = {}
        if self.root is not None and not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------ inspection
    def submitted_job_ids(self) -> list[int]:
        """Job ids slurmctld accepted, from its log (survives MinJobAge)."""
        if not self.ctld_log.exists():
            return []
        ids = re.findall(
            r"_slurm_rpc_submit_batch_job: JobId=(\d+)",
            self.ctld_log.read_text(errors="replace"),
        )
        return [int(i) for i in ids]

    def completed_job_ids(self) -> list[int]:
        """Job ids slurmctld logged as finished with exit code 0."""
        if not self.ctld_log.exists():
            return []
        ids = re.findall(
            r"_job_complete: JobId=(\d+) WEXITSTATUS 0",
            self.ctld_log.read_text(errors="replace"),
        )
        return sorted({int(i) for i in ids})

    def __enter__(self) -> "SlurmCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _terminate(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(timeout=10)


def _kill_pids(pids: list[int], timeout: float = 10) -> None:
    """SIGTERM the given pids, wait up to ``timeout`` s, then SIGKILL the rest."""
    alive = []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
            alive.append(pid)
    deadline = time.monotonic() + timeout
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if _exists(p)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _exists(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextlib.contextmanager
def slurm_cluster(**kwargs) -> Iterator[SlurmCluster]:
    """``with slurm_cluster() as c: ...`` -- see SlurmCluster."""
    cluster = SlurmCluster(**kwargs)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


if __name__ == "__main__":  # manual smoke test
    t0 = time.monotonic()
    with slurm_cluster() as c:
        print(f"cluster up in {time.monotonic() - t0:.1f}s at {c.root}")
        print(c.run("sinfo").stdout)
        r = c.run(
            "sbatch",
            "--parsable",
            "-o",
            str(c.root / "job.out"),
            "--wrap",
            "env -u SLURM_CONF srun -n1 hostname; echo hello from $SLURM_JOB_ID",
        )
        jobid = r.stdout.strip().split(";")[0]
        print("submitted", jobid)
        while c.run("squeue", "-h", "-j", jobid, check=False).stdout.strip():
            time.sleep(0.5)
        print((c.root / "job.out").read_text())
        print("submitted ids in slurmctld log:", c.submitted_job_ids())
        print("completed ids:", c.completed_job_ids())
    print(f"done in {time.monotonic() - t0:.1f}s")
