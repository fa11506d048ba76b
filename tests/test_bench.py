"""`polyicl bench`: its JSON figures agree with each other and with a FLOP count written
here from the model's shapes (not from our code), and bad arguments get clear errors.
Speeds themselves are not asserted: the machines are shared."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = str(Path(os.environ.get("POLYICL_BIN", ROOT / ".build" / "release" / "polyicl")).resolve())


def bench(*args, isa=None):
    env = dict(os.environ)
    env.pop("POLYICL_ISA", None)
    if isa is not None:
        env["POLYICL_ISA"] = isa
    return subprocess.run([BIN, "bench", *args], capture_output=True, text=True, timeout=120, env=env)


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def supported_levels():
    """The kernel levels this CPU can run, widest first, from its flags (not from our code)."""
    flags = cpu_flags()
    levels = []
    if {"avx512f", "avx512dq", "avx512vl", "avx2", "fma"} <= flags:
        levels.append("avx512")
    if {"avx2", "fma"} <= flags:
        levels.append("avx2")
    return levels + ["baseline"]


def forward_flops(width, layers, batch, points):
    """Block GEMMs (c_attn 3C^2, c_proj C^2, fc 4C^2, fc proj 4C^2: 12 C^2 multiply-adds per
    token) and the two T x T attention products (2 T^2 C multiply-adds per sequence)."""
    tokens = 2 * points
    multiply_adds = layers * batch * (12 * tokens * width * width + 2 * tokens * tokens * width)
    return 2 * multiply_adds


@pytest.mark.parametrize("mode,factor", [("eval", 1), ("train", 3)])
def test_figures_agree(mode, factor):
    result = bench(mode, "--preset", "tiny", "--batch", "8", "--points", "5",
                   "--steps", "2", "--warmup", "0", "--threads", "1", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == mode and report["batch"] == 8 and report["points"] == 5 and report["threads"] == 1
    rate = report["stepsPerSecond"]
    assert rate > 0
    assert report["seconds"] == pytest.approx(2 / rate, rel=1e-9)
    assert report["tokensPerSecond"] == pytest.approx(rate * 8 * 2 * 5, rel=1e-9)
    flops = factor * forward_flops(16, 2, 8, 5)
    assert report["gflopPerStep"] == pytest.approx(flops / 1e9, rel=1e-12)
    assert report["gflopsPerSecond"] == pytest.approx(rate * flops / 1e9, rel=1e-9)
    if mode == "eval":
        assert report["sequencesPerSecond"] == pytest.approx(rate * 8, rel=1e-9)
    else:
        assert "sequencesPerSecond" not in report


def test_standard_step_is_the_issues_89_gflop():
    result = bench("train", "--preset", "standard", "--batch", "64", "--points", "81",
                   "--steps", "1", "--warmup", "0", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The issue: a training step of the standard model (128 wide, 6 layers) is about 89 GFLOP.
    assert report["gflopPerStep"] == pytest.approx(3 * forward_flops(128, 6, 64, 81) / 1e9, rel=1e-12)
    assert report["gflopPerStep"] == pytest.approx(88.86, abs=0.01)


def test_peak_reports_each_worker():
    result = bench("peak", "--threads", "2", "--json")
    if supported_levels()[0] == "baseline":
        assert result.returncode != 0 and "the kernel level is baseline" in result.stderr
        pytest.skip("this CPU has neither AVX-512 nor AVX2 with FMA")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "peak" and report["threads"] == 2 and report["isa"] == supported_levels()[0]
    assert len(report["gflopsPerThread"]) == 2 and all(g > 0 for g in report["gflopsPerThread"])
    assert report["gflopsPerSecond"] == pytest.approx(sum(report["gflopsPerThread"]), rel=1e-12)


@pytest.mark.parametrize("args,message", [
    (["fast"], "'fast' is invalid for '<mode>'"),
    (["peak", "--threads", "0"], "--threads 0 is not valid"),
    (["train", "--preset", "huge"], "unknown preset 'huge'"),
    (["eval", "--preset", "tiny", "--points", "17"], "takes 1 to 16 points"),
    (["train", "--batch", "0"], "--batch 0 is not valid"),
])
def test_bad_arguments(args, message):
    result = bench(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Fatal error" not in result.stderr and "Stack dump" not in result.stderr


@pytest.mark.parametrize("level", ["avx512", "avx2", "baseline"])
def test_isa_is_chosen_and_reported(level):
    result = bench("eval", "--preset", "tiny", "--batch", "4", "--points", "3",
                   "--steps", "1", "--warmup", "0", "--json", isa=level)
    if level not in supported_levels():
        assert result.returncode == 1
        assert f"POLYICL_ISA={level}, but this CPU lacks" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["isa"] == level
    text = bench("eval", "--preset", "tiny", "--batch", "4", "--points", "3", "--steps", "1", "--warmup", "0",
                 isa=level)
    assert f"isa {level}," in text.stdout


def test_isa_defaults_to_the_widest_level():
    result = bench("eval", "--preset", "tiny", "--batch", "4", "--points", "3", "--steps", "1", "--warmup", "0",
                   "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["isa"] == supported_levels()[0]


def test_unknown_isa_is_refused():
    result = bench("eval", "--preset", "tiny", isa="sse9")
    assert result.returncode == 1
    assert "POLYICL_ISA=sse9 is not a level; use avx512, avx2 or baseline" in result.stderr


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and at least 2 CPUs to pin a process to fewer")
def test_the_worker_count_follows_the_cpus_the_process_may_use():
    """Pinned to one CPU (taskset, as Slurm's binding does), the process sizes its pool to one
    worker, not to the machine's cores; POLYICL_THREADS overrides either."""
    env = {k: v for k, v in os.environ.items() if k != "POLYICL_THREADS"}
    pinned = subprocess.run(["taskset", "-c", "0", BIN, "bench", "train", "--preset", "tiny", "--steps", "1", "--warmup", "0", "--json"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert pinned.returncode == 0, pinned.stderr
    assert json.loads(pinned.stdout)["threads"] == 1
    free = bench("train", "--preset", "tiny", "--steps", "1", "--warmup", "0", "--json")
    assert json.loads(free.stdout)["threads"] == len(os.sched_getaffinity(0))
    chosen = subprocess.run([BIN, "bench", "train", "--preset", "tiny", "--steps", "1", "--warmup", "0", "--json"],
                            capture_output=True, text=True, timeout=120, env={**env, "POLYICL_THREADS": "3"})
    assert json.loads(chosen.stdout)["threads"] == 3
