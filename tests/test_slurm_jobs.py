"""Slurm from a notebook, on the real single-node cluster the tests start: through the kernel
(jupyter_client), a cell submits a short training as a 2-task MPI job, watches it, loads the
result and checks it against the same training in one process; failures from Slurm and from
the job are shown as they are; cancel stops a job."""
import json
import os
import re
import subprocess
import time

import numpy as np
import pytest
from jupyter_client.manager import start_new_kernel

import kernel_fixtures
from slurm_cluster import slurm_cluster  # noqa: F401  (the fixture)
from test_cli_reference import read_safetensors

TIMEOUT = 30
PRETRAIN = """poly = task chebyshev degree=0..5
m = model preset=tiny seed=3
train m on=poly steps=80 batch=16 lr=1e-3 seed=4
save m "pretrained.safetensors"
"""


@pytest.fixture
def kc(tmp_path, slurm_cluster):  # noqa: F811
    km, client = start_new_kernel(kernel_name=kernel_fixtures.KERNEL_NAME, startup_timeout=TIMEOUT, cwd=str(tmp_path),
                                  env={**os.environ, "SLURM_CONF": str(slurm_cluster.conf)})
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code, timeout=TIMEOUT):
    outputs = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
    return reply["content"], [(m["msg_type"], m["content"]) for m in outputs if m["msg_type"] not in ("status", "execute_input")]


def text(outputs):
    parts = []
    for kind, content in outputs:
        if kind == "stream":
            parts.append(content["text"])
        elif kind in ("display_data", "update_display_data", "execute_result"):
            parts.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            parts.append("\n".join(content["traceback"]))
    return "\n".join(parts)


def test_a_notebook_trains_on_two_mpi_ranks_through_slurm(kc, tmp_path):
    (tmp_path / "pretrain.icl").write_text(PRETRAIN)
    reply, outputs = run(kc, 'job = submit "pretrain.icl" nodes=1 tasks=2 cpus=1 time=5 partition="debug"')
    assert reply["status"] == "ok", text(outputs)
    submitted = re.search(r"submitted pretrain.icl as Slurm job (\d+) \(2 ranks x 1 thread\)", text(outputs))
    assert submitted, text(outputs)

    reply, outputs = run(kc, "watch job", timeout=240)
    assert reply["status"] == "ok", text(outputs)
    kinds = [kind for kind, _ in outputs]
    assert kinds[0] == "display_data" and kinds[-1] == "execute_result", kinds
    assert f"job {submitted.group(1)} (pretrain.icl, 2 ranks): COMPLETED" in outputs[-1][1]["data"]["text/plain"]
    assert "exit status 0" in outputs[-1][1]["data"]["text/plain"]

    reply, outputs = run(kc, "m = result job\nm")
    assert reply["status"] == "ok", text(outputs)
    assert "loaded" in text(outputs) and "steps 1..80 of 80" in text(outputs)

    # The job really ran two ranks: its batch script used mpirun with both, and rank 0 alone reported.
    job_dir = next((tmp_path / "jobs").iterdir())
    assert 'mpirun "${as_root[@]}" -np "$SLURM_NTASKS"' in (job_dir / "batch.sh").read_text()
    log = (job_dir / "job.log").read_text()
    assert log.count("trained m: 80 steps") == 1, log

    # The same training in one process: the same model up to summation order.
    (tmp_path / "single").mkdir()
    (tmp_path / "single" / "pretrain.icl").write_text(PRETRAIN)
    subprocess.run([kernel_fixtures.BIN, "run", str(tmp_path / "single" / "pretrain.icl")], check=True, capture_output=True, timeout=120)
    distributed, _ = read_safetensors(tmp_path / "pretrained.safetensors")
    single, _ = read_safetensors(tmp_path / "single" / "pretrained.safetensors")
    assert distributed.keys() == single.keys()
    for name in single:
        a, b = single[name], distributed[name]
        if name.endswith("attn.c_attn.bias"):  # the key bias: see tests/test_distributed.py
            width = a.shape[0] // 3
            a, b = np.delete(a, slice(width, 2 * width)), np.delete(b, slice(width, 2 * width))
        assert np.max(np.abs(a - b)) <= 1e-3 * max(np.max(np.abs(a)), 1e-30), name
    assert not np.array_equal(single["_backbone.h.0.mlp.c_fc.weight"], distributed["_backbone.h.0.mlp.c_fc.weight"]), \
        "two ranks sum in another order: bit-equal weights would mean the batch was not shared"


def test_a_script_with_a_mistake_is_not_submitted(kc, tmp_path):
    (tmp_path / "broken.icl").write_text('poly = task chebyshev degree=0..5\nm = model preset=tiny\ntrain m on=poly stps=10\n')
    reply, outputs = run(kc, 'job = submit "broken.icl"')
    assert reply["status"] == "error"
    assert "broken.icl has a mistake, so it was not submitted" in text(outputs) and "did you mean `steps`?" in text(outputs)
    assert not (tmp_path / "jobs").exists() or not any((tmp_path / "jobs").iterdir())


def test_slurm_refusals_and_failed_jobs_are_shown_as_they_are(kc, tmp_path):
    (tmp_path / "pretrain.icl").write_text(PRETRAIN)
    reply, outputs = run(kc, 'job = submit "pretrain.icl" partition="nosuchpartition"')
    assert reply["status"] == "error" and "sbatch refused the job" in text(outputs)
    assert "invalid partition" in text(outputs).lower()

    # Checked at submission (the file exists), failing in the job (it is not a checkpoint).
    (tmp_path / "fails.icl").write_text('m = load "later.safetensors"\nsave m "never.safetensors"\n')
    (tmp_path / "later.safetensors").write_text("not a checkpoint")
    reply, outputs = run(kc, 'bad = submit "fails.icl" time=5\nwatch bad', timeout=120)
    assert reply["status"] == "ok", text(outputs)
    final = outputs[-1][1]["data"]["text/plain"]
    assert "FAILED" in final and "exit status 1" in final and "job.log" in final
    reply, outputs = run(kc, "m = result bad")
    assert reply["status"] == "error" and "ended FAILED" in text(outputs)


def test_cancel_stops_a_running_job_and_an_interrupted_watch_leaves_it(kc, tmp_path):
    (tmp_path / "long.icl").write_text("sleep 600\n")
    reply, outputs = run(kc, 'long = submit "long.icl" time=15')
    assert reply["status"] == "ok", text(outputs)
    job_id = re.search(r"Slurm job (\d+)", text(outputs)).group(1)

    kc.execute("watch long")
    time.sleep(3)
    # Kernel > Interrupt, as a frontend sends it to a kernel whose interrupt mode is `message`.
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    reply = kc.get_shell_msg(timeout=TIMEOUT)["content"]
    assert reply["status"] == "error" and "keeps running" in reply["evalue"]
    state = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True).stdout
    assert "JobState=RUNNING" in state or "JobState=PENDING" in state

    reply, outputs = run(kc, "cancel long\nwatch long", timeout=60)
    assert reply["status"] == "ok", text(outputs)
    assert f"cancelled Slurm job {job_id}" in text(outputs) and "CANCELLED" in outputs[-1][1]["data"]["text/plain"]


def test_a_requeued_training_job_picks_up_from_its_last_save(slurm_cluster, tmp_path):  # noqa: F811
    """A job requeued by Slurm (preemption, a node lost) is signalled, saves its completed
    steps, and when it runs again continues from them: its final checkpoint is byte-equal to
    an uninterrupted run's."""
    from test_distributed import raw_tensors
    settings = ["--preset", "tiny", "--degree", "0..5", "--batch", "16", "--lr", "1e-3", "--steps", "4000", "--threads", "1", "--seed", "5"]
    subprocess.run([kernel_fixtures.BIN, "train", *settings, "--out", str(tmp_path / "full.safetensors")], check=True,
                   capture_output=True, timeout=300)
    out = tmp_path / "run.safetensors"
    batch = tmp_path / "batch.sh"
    batch.write_text(f"""#!/bin/bash
#SBATCH --requeue
#SBATCH --output={tmp_path}/job.log
#SBATCH --open-mode=append
if [ -f {out} ]; then exec {kernel_fixtures.BIN} train --resume {out} --save-every 20 --out {out}
else exec {kernel_fixtures.BIN} train {' '.join(settings)} --save-every 20 --out {out}; fi
""")
    job = slurm_cluster.sbatch(batch)
    deadline = time.time() + 60
    while not out.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert out.exists(), (tmp_path / "job.log").read_text() if (tmp_path / "job.log").exists() else "no log"
    slurm_cluster.run("scontrol", "requeue", job)
    # A requeued job waits two minutes (BeginTime) before it may start again; once it is
    # pending, let it start now.
    for _ in range(100):
        if "JobState=PENDING" in slurm_cluster.run("scontrol", "show", "job", "-o", job).stdout:
            break
        time.sleep(0.1)
    slurm_cluster.run("scontrol", "update", f"JobId={job}", "StartTime=now")
    result = slurm_cluster.wait_for_job(job, timeout=240)
    assert result.state == "COMPLETED", result
    log = (tmp_path / "job.log").read_text()
    assert "terminated (SIGTERM)" in log and "resuming" in log, log
    assert raw_tensors(out) == raw_tensors(tmp_path / "full.safetensors")


def test_srun_starts_the_ranks_of_one_run(slurm_cluster, tmp_path):  # noqa: F811
    """`srun --mpi=pmix` starts the ranks as mpirun does; plain `srun` of several tasks, which
    gives them no MPI, is refused clearly rather than training N unrelated copies."""
    import shutil
    from test_cli_reference import read_safetensors as read
    args = ["train", "--preset", "tiny", "--steps", "30", "--threads", "1", "--seed", "2"]
    by_srun, by_mpirun = tmp_path / "srun.safetensors", tmp_path / "mpirun.safetensors"
    result = slurm_cluster.run("srun", "-n", "2", "--mpi=pmix", kernel_fixtures.BIN, *args, "--out", str(by_srun), timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "2 MPI ranks x 1 threads" in result.stderr
    subprocess.run([shutil.which("mpirun"), "--allow-run-as-root", "--oversubscribe", "-np", "2", kernel_fixtures.BIN, *args,
                    "--out", str(by_mpirun)], check=True, capture_output=True, timeout=120)
    a, _ = read(by_srun)
    b, _ = read(by_mpirun)
    for name in a:
        assert np.allclose(a[name], b[name], rtol=1e-6, atol=1e-9), name

    result = slurm_cluster.run("srun", "-n", "2", kernel_fixtures.BIN, *args, "--out", str(tmp_path / "x.safetensors"), timeout=120, check=False)
    assert result.returncode != 0
    assert "started by srun as one of 2 tasks, but not through MPI" in result.stderr and "--mpi=pmix" in result.stderr
