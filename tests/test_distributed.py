"""Data-parallel training over Open MPI and exact resume, on the real engines: `mpirun -np 2`
trains the same run as one process (losses and weights within 1e-3), one rank is bit-identical
to a plain run, a run stopped by SIGTERM or killed with -9 between saves and resumed ends with
the uninterrupted run's tensors byte for byte, and a rank that dies ends the whole job."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from test_cli_reference import BIN, read_safetensors

MPIRUN = shutil.which("mpirun")
needs_mpi = pytest.mark.skipif(MPIRUN is None, reason="Open MPI's mpirun is not installed (scripts/setup.sh installs openmpi-bin)")

SMALL = ["--preset", "small", "--points", "41", "--degree", "0..11", "--batch", "64", "--lr", "1e-3",
         "--schedule", "cosine", "--warmup", "20", "--curriculum", "5..41", "--every", "10", "--seed", "9"]
TINY = ["--preset", "tiny", "--degree", "0..5", "--batch", "16", "--lr", "1e-3", "--schedule", "cosine",
        "--warmup", "5", "--curriculum", "3..15", "--every", "10", "--seed", "5", "--threads", "2"]


def mpirun(ranks, *args, timeout=600):
    command = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", str(ranks), BIN, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def train(*args, timeout=600):
    result = subprocess.run([BIN, "train", *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result


def losses(path):
    run = json.loads(read_safetensors(path)[1]["training_history"])["runs"][-1]
    assert run["loss_every"] == 1
    return np.array(run["loss"])


def raw_tensors(path):
    """Each tensor's bytes, as the file holds them."""
    data = Path(path).read_bytes()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    body = data[8 + length:]
    return {name: body[info["data_offsets"][0]:info["data_offsets"][1]] for name, info in header.items()}


@needs_mpi
def test_two_ranks_train_the_same_run_as_one_process(tmp_path):
    single, distributed = tmp_path / "single.safetensors", tmp_path / "mpi.safetensors"
    train(*SMALL, "--steps", 200, "--threads", 1, "--out", single)
    result = mpirun(2, "train", *SMALL, "--steps", 200, "--threads", 1, "--out", distributed)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "2 MPI ranks x 1 threads" in result.stderr
    # Rank 0 alone reports: one start line and one "done" line.
    assert result.stderr.count("training 2 layers") == 1 and result.stderr.count("done: 200 steps") == 1

    a, b = losses(single), losses(distributed)
    assert len(a) == len(b) == 200
    assert np.all(np.abs(a - b) <= 1e-3 * np.abs(a)), np.max(np.abs(a - b) / np.abs(a))
    weights_a, _ = read_safetensors(single)
    weights_b, _ = read_safetensors(distributed)
    assert weights_a.keys() == weights_b.keys()
    for name in weights_a:
        a, b = weights_a[name], weights_b[name]
        if name.endswith("attn.c_attn.bias"):
            # The key bias (the middle third) shifts every score of a query by the same amount,
            # which softmax cancels: its gradient is zero but for rounding, and Adam scales that
            # rounding noise up to steps of about lr. Any change of summation order (two
            # threads instead of one, in one process, too) moves it by ~1e-3 over 200 steps;
            # the predictions below show it does not matter. The query and value biases are held
            # to the same bound as every other tensor.
            width = a.shape[0] // 3
            a, b = np.delete(a, slice(width, 2 * width)), np.delete(b, slice(width, 2 * width))
        assert np.max(np.abs(a - b)) <= 1e-3 * max(np.max(np.abs(a)), 1e-30), name
    # Summation order differs, so the two runs are not identical: the ranks really split the batch.
    assert not np.array_equal(weights_a["_backbone.h.0.attn.c_attn.weight"], weights_b["_backbone.h.0.attn.c_attn.weight"])

    rng = np.random.default_rng(3)
    xs = rng.uniform(-1, 1, size=(256, 41)).astype(np.float32)
    ys = np.cos(3 * xs).astype(np.float32)
    np.save(tmp_path / "xs.npy", xs)
    np.save(tmp_path / "ys.npy", ys)
    predictions = []
    for checkpoint in (single, distributed):
        out = tmp_path / f"{checkpoint.stem}-predictions.npy"
        subprocess.run([BIN, "predict", "--checkpoint", checkpoint, "--xs", tmp_path / "xs.npy", "--ys", tmp_path / "ys.npy",
                        "--out", out], check=True, capture_output=True, timeout=120)
        predictions.append(np.load(out))
    assert np.max(np.abs(predictions[0] - predictions[1])) <= 1e-3 * np.max(np.abs(predictions[0]))


@needs_mpi
def test_one_rank_is_bit_identical_to_a_plain_run(tmp_path):
    plain, one = tmp_path / "plain.safetensors", tmp_path / "one.safetensors"
    train(*TINY, "--steps", 30, "--out", plain)
    result = mpirun(1, "train", *TINY, "--steps", 30, "--out", one)
    assert result.returncode == 0, result.stderr
    assert raw_tensors(plain) == raw_tensors(one)


@needs_mpi
def test_a_rank_that_dies_ends_the_job(tmp_path):
    command = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", "2", BIN, "train", *TINY[:-2],
               "--threads", "1", "--steps", "10000000", "--out", str(tmp_path / "x.safetensors")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        ranks = []
        while time.time() < deadline and len(ranks) < 2:
            time.sleep(0.5)
            found = subprocess.run(["pgrep", "-f", f"^{BIN} train .*{tmp_path}"], capture_output=True, text=True).stdout.split()
            ranks = [int(pid) for pid in found]
        assert len(ranks) == 2, "both ranks should be running"
        time.sleep(1)
        os.kill(max(ranks), signal.SIGKILL)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert "signal 9" in output or "Killed" in output, output[-2000:]
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", f"^{BIN} train .*{tmp_path}"], capture_output=True, text=True).stdout.split()
    assert left == [], "no rank may be left waiting"


def test_a_launcher_without_mpi_is_a_clear_error(tmp_path):
    env = {**os.environ, "OMPI_COMM_WORLD_SIZE": "2", "POLYICL_MPI_LIBRARY": str(tmp_path / "no-libmpi.so")}
    result = subprocess.run([BIN, "train", "--preset", "tiny", "--steps", "1", "--out", str(tmp_path / "x.safetensors")],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert "started by an MPI launcher, but MPI cannot be used" in result.stderr
    assert "no-libmpi.so" in result.stderr and "openmpi-bin" in result.stderr


def test_sigterm_then_resume_ends_byte_equal_to_an_uninterrupted_run(tmp_path):
    full, part, resumed = tmp_path / "full.safetensors", tmp_path / "part.safetensors", tmp_path / "resumed.safetensors"
    train(*TINY, "--steps", 2000, "--out", full)
    process = subprocess.Popen([BIN, "train", *TINY, "--steps", "2000", "--out", str(part)], stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stderr:
            if line.startswith("step"):
                break
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(timeout=60) == 143
    finally:
        if process.poll() is None:
            process.kill()
    assert "terminated (SIGTERM)" in rest and f"--resume {part}" in rest
    state = json.loads(read_safetensors(part)[1]["training_state"])
    assert 1 <= state["completed_steps"] < 2000, "the test must stop the run part-way"
    train("--resume", part, "--out", resumed)
    assert raw_tensors(resumed) == raw_tensors(full)
    # ... and a resumed file continues again, to a longer run, from where it ended.
    runs = json.loads(read_safetensors(resumed)[1]["training_history"])["runs"]
    assert runs[-1]["first_step"] == state["completed_steps"] + 1 and runs[-1]["steps_done"] == 2000 - state["completed_steps"]


def run_killed_after_a_save(part, steps, save_every, linger=0.0):
    """Starts the TINY run with periodic saves to `part`, kills it with -9 `linger` seconds
    after its first save, and returns the steps the file holds."""
    process = subprocess.Popen([BIN, "train", *TINY, "--steps", str(steps), "--save-every", str(save_every), "--out", str(part)],
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not part.exists() and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(linger)
        process.kill()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    return json.loads(read_safetensors(part)[1]["training_state"])["completed_steps"]


def test_kill_between_saves_then_resume_ends_byte_equal(tmp_path):
    full, part = tmp_path / "full.safetensors", tmp_path / "part.safetensors"
    train(*TINY, "--steps", 3000, "--out", full)
    saved = run_killed_after_a_save(part, steps=3000, save_every=7, linger=0.2)
    assert saved % 7 == 0 and 7 <= saved < 3000, saved
    train("--resume", part, "--out", part)  # resuming into the same file
    assert raw_tensors(part) == raw_tensors(full)


def test_resume_refuses_settings_and_files_without_state(tmp_path):
    plain = tmp_path / "plain.safetensors"
    train(*TINY, "--steps", 3, "--out", plain)
    result = subprocess.run([BIN, "train", "--resume", str(plain), "--lr", "0.1", "--out", str(plain)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "--lr cannot be given" in result.stderr
    result = subprocess.run([BIN, "train", "--resume", str(plain), "--steps", "2", "--out", str(plain)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "steps=2 is fewer than the 3 the run has done" in result.stderr
    shipped = Path(__file__).resolve().parent.parent / "models" / "small-chebyshev.safetensors"
    result = subprocess.run([BIN, "train", "--resume", str(shipped), "--out", str(tmp_path / "x.safetensors")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "holds a model but no training state" in result.stderr and "--init" in result.stderr


def test_a_notebook_continues_a_saved_run_exactly(tmp_path):
    """A run cut short by `polyicl train` (killed after a periodic save) continues in the
    language: `load` then the same `train` on the same task ends byte-equal to the run never
    cut, and the language's `save` keeps the state for the next continuation."""
    full, part = tmp_path / "full.safetensors", tmp_path / "part.safetensors"
    train(*TINY, "--steps", 1500, "--out", full)
    saved = run_killed_after_a_save(part, steps=1500, save_every=50)
    assert 50 <= saved < 1500
    (tmp_path / "continue.icl").write_text(
        'poly = task chebyshev degree=0..5\n'
        'm = load "part.safetensors"\n'
        'train m on=poly steps=1500 batch=16 lr=1e-3 schedule=cosine warmup=5 curriculum=3..15 every=10\n'
        'save m "continued.safetensors" state=true\n')
    result = subprocess.run([BIN, "run", str(tmp_path / "continue.icl")], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "POLYICL_THREADS": "2"})
    assert result.returncode == 0, result.stderr
    assert f"continuing the run saved with `m` at step {saved + 1} of 1500" in result.stdout
    assert raw_tensors(tmp_path / "continued.safetensors") == raw_tensors(full)

    # Other settings are another run: it starts afresh, and says nothing of continuing.
    (tmp_path / "other.icl").write_text(
        'poly = task chebyshev degree=0..5\nm = load "part.safetensors"\ntrain m on=poly steps=60 batch=16 lr=2e-3\n')
    result = subprocess.run([BIN, "run", str(tmp_path / "other.icl")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "continuing" not in result.stdout
