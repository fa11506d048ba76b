"""A real single-node Slurm cluster for the tests: the session-scoped fixture
`slurm_cluster` runs `scripts/slurm-cluster.sh start` (installing slurm-wlm, munge and
Open MPI if missing), points SLURM_CONF at the cluster's config for the session, and runs
`scripts/slurm-cluster.sh stop` at the end (a cluster already up before the session, say a
developer's, is left running). Use it with

    from slurm_cluster import slurm_cluster  # noqa: F401  (the fixture)

Tests are skipped only where the platform cannot run the daemons at all (not Linux, or
neither root nor password-less sudo); a cluster that fails to start is a test error."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "slurm-cluster.sh"
STATE_DIR = pathlib.Path(os.environ.get("SLURM_STATE_DIR", ROOT / ".slurm"))
START_TIMEOUT = 900  # `start` may have to apt-get the packages first
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
            "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"}


def cannot_run_reason() -> str | None:
    if not sys.platform.startswith("linux"):
        return f"a local Slurm cluster needs Linux (platform is {sys.platform})"
    if os.geteuid() == 0:
        return None
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return None
    return "starting slurmctld/slurmd/munged needs root or password-less sudo"


@dataclass
class JobResult:
    state: str       # JobState of the job (for an array: the first task not COMPLETED, else COMPLETED)
    exit_code: int   # the first number of ExitCode=N:S (the batch script's exit status)
    signal: int = 0  # the second number (the signal that ended it, if any)
    records: list[dict] = field(default_factory=list)  # one `scontrol show job -o` record per (array) task


@dataclass
class SlurmCluster:
    conf: pathlib.Path
    state_dir: pathlib.Path

    def env(self) -> dict:
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def run(self, *args, timeout: float = 30, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), env=self.env(), capture_output=True, text=True, timeout=timeout, check=check)

    def sbatch(self, script: os.PathLike | str, *options: str) -> str:
        """Submits a batch script; returns the job id (the array's job id for --array)."""
        out = self.run("sbatch", "--parsable", *options, str(script)).stdout.strip()
        return out.split(";")[0]

    def scancel(self, job_id: str) -> None:
        self.run("scancel", str(job_id))

    def job_records(self, job_id: str) -> list[dict]:
        """`scontrol show job -o ID` as dicts (several for an array job); [] once the
        controller has forgotten the job (MinJobAge after its end)."""
        r = self.run("scontrol", "show", "job", "-o", str(job_id), check=False)
        if r.returncode != 0:
            if "Invalid job id" in r.stderr:
                return []
            raise RuntimeError(f"scontrol show job {job_id} failed: {r.stderr.strip()}")
        return [dict(re.findall(r"(\w[\w:/]*)=(\S*)", line)) for line in r.stdout.splitlines() if line.strip()]

    def job_state(self, job_id: str) -> str | None:
        records = self.job_records(job_id)
        return records[0].get("JobState") if records else None

    def wait_for_state(self, job_id: str, states: set[str], timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            state = self.job_state(job_id)
            if state in states:
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} not in {sorted(states)} after {timeout} s (state {state})")
            time.sleep(0.2)

    def wait_for_job(self, job_id: str, timeout: float = 30, marker: os.PathLike | str | None = None) -> JobResult:
        """Waits until the job (every task of an array) has ended; returns its final state
        and exit code from `scontrol show job`. If the controller no longer knows the job,
        falls back to `marker`: a file the job wrote its exit status into (see
        `write_job_script`)."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.job_records(job_id)
            if records and all(r.get("JobState") in TERMINAL for r in records):
                bad = [r for r in records if r.get("JobState") != "COMPLETED"]
                first = (bad or records)[0]
                code, _, sig = first.get("ExitCode", "0:0").partition(":")
                return JobResult(first["JobState"], int(code), int(sig or 0), records)
            if not records and marker is not None and pathlib.Path(marker).exists():
                code = int(pathlib.Path(marker).read_text().strip() or "0")
                return JobResult("COMPLETED" if code == 0 else "FAILED", code)
            if not records and marker is None:
                raise RuntimeError(f"job {job_id} unknown to slurmctld and no exit marker given")
            if time.monotonic() > deadline:
                states = [r.get("JobState") for r in records]
                raise TimeoutError(f"job {job_id} not finished after {timeout} s (states {states})")
            time.sleep(0.2)


def write_job_script(path: os.PathLike | str, body: str, marker: os.PathLike | str | None = None) -> pathlib.Path:
    """A bash batch script running `body`; with `marker`, its exit status is written there
    when it ends (the fallback `wait_for_job` reads)."""
    path = pathlib.Path(path)
    trap = f"trap 'echo $? > \"{marker}\"' EXIT\n" if marker is not None else ""
    path.write_text(f"#!/bin/bash\n{trap}{body}\n")
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def slurm_cluster():
    reason = cannot_run_reason()
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "SLURM_STATE_DIR": str(STATE_DIR)}
    start = subprocess.run(["bash", str(SCRIPT), "start"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=START_TIMEOUT)
    if start.returncode != 0:
        subprocess.run(["bash", str(SCRIPT), "stop"], cwd=ROOT, env=env, capture_output=True, timeout=120)
        pytest.fail(f"slurm-cluster.sh start failed ({start.returncode}):\n{start.stdout}\n{start.stderr}", pytrace=False)
    m = re.search(r"^export SLURM_CONF=(.+)$", start.stdout, re.M)
    assert m, f"no SLURM_CONF in the output of start:\n{start.stdout}"
    conf = pathlib.Path(m.group(1).strip())
    # A cluster that was already up before the session (a developer's) is left running.
    started_here = "already running" not in start.stderr
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(conf)
    try:
        yield SlurmCluster(conf=conf, state_dir=STATE_DIR)
    finally:
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous
        if not started_here:
            return
        stop = subprocess.run(["bash", str(SCRIPT), "stop"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        if stop.returncode != 0:
            print(f"slurm-cluster.sh stop failed ({stop.returncode}):\n{stop.stderr}", file=sys.stderr)
