"""Jobs on a real one-node Slurm cluster (started and stopped by the `slurm_cluster`
fixture): job arrays, an Open MPI job over two tasks, a failing job's exit code, and
scancel. Every wait is bounded."""
import os

import pytest

from slurm_cluster import slurm_cluster, write_job_script  # noqa: F401  (slurm_cluster is the fixture)

TIMEOUT = 30


def test_array_job_runs_every_task(slurm_cluster, tmp_path):
    script = write_job_script(tmp_path / "array.sh", f'echo "$SLURM_ARRAY_TASK_ID" > "{tmp_path}/task_$SLURM_ARRAY_TASK_ID"')
    job = slurm_cluster.sbatch(script, "--array=0-3", "--cpus-per-task=1",
                               f"--output={tmp_path}/%A_%a.out")
    result = slurm_cluster.wait_for_job(job, TIMEOUT)
    assert (result.state, result.exit_code) == ("COMPLETED", 0), result.records
    assert sorted(r["ArrayTaskId"] for r in result.records) == ["0", "1", "2", "3"]
    for i in range(4):
        assert (tmp_path / f"task_{i}").read_text().strip() == str(i)


def test_mpi_job_runs_both_ranks(slurm_cluster, tmp_path):
    marker = tmp_path / "exit"
    script = write_job_script(
        tmp_path / "mpi.sh",
        "mpirun --allow-run-as-root --oversubscribe -np 2 "
        "python3 -c 'import os; print(\"rank\", os.environ[\"OMPI_COMM_WORLD_RANK\"], \"of\", os.environ[\"OMPI_COMM_WORLD_SIZE\"])'",
        marker=marker)
    out = tmp_path / "mpi.out"
    job = slurm_cluster.sbatch(script, "--ntasks=2", f"--output={out}")
    result = slurm_cluster.wait_for_job(job, TIMEOUT, marker=marker)
    text = out.read_text()
    assert (result.state, result.exit_code) == ("COMPLETED", 0), text
    assert sorted(line for line in text.splitlines() if line.startswith("rank ")) == ["rank 0 of 2", "rank 1 of 2"], text
    assert marker.read_text().strip() == "0"


def test_failing_job_reports_its_exit_code(slurm_cluster, tmp_path):
    marker = tmp_path / "exit"
    script = write_job_script(tmp_path / "fail.sh", "echo failing; exit 3", marker=marker)
    job = slurm_cluster.sbatch(script, f"--output={tmp_path}/fail.out")
    result = slurm_cluster.wait_for_job(job, TIMEOUT, marker=marker)
    assert (result.state, result.exit_code) == ("FAILED", 3), result.records
    assert marker.read_text().strip() == "3"
    assert (tmp_path / "fail.out").read_text().strip() == "failing"


def test_scancel_ends_a_running_job(slurm_cluster, tmp_path):
    script = write_job_script(tmp_path / "sleep.sh", "sleep 300")
    job = slurm_cluster.sbatch(script, f"--output={tmp_path}/sleep.out")
    assert slurm_cluster.wait_for_state(job, {"RUNNING"}, TIMEOUT) == "RUNNING"
    slurm_cluster.scancel(job)
    result = slurm_cluster.wait_for_job(job, TIMEOUT)
    assert result.state == "CANCELLED", result.records


def test_cluster_environment(slurm_cluster):
    assert os.environ["SLURM_CONF"] == str(slurm_cluster.conf)
    sinfo = slurm_cluster.run("sinfo", "-h", "-o", "%P %a").stdout.split()
    assert sinfo == ["debug*", "up"]
    with pytest.raises(RuntimeError):
        slurm_cluster.wait_for_job("999999", 1)
