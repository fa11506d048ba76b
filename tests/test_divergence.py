"""A run that diverges stops at once, names the step, and destroys nothing: the CLI leaves
--out (even the --init file itself) as it was, and a notebook's model keeps finite weights of
the step before, which save and load."""
import subprocess
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

import kernel_fixtures
from test_cli_reference import BIN

ROOT = Path(__file__).resolve().parent.parent


def test_cli_divergence_leaves_the_init_checkpoint_untouched(tmp_path):
    good = tmp_path / "good.safetensors"
    good.write_bytes((ROOT / "models" / "small-chebyshev.safetensors").read_bytes())
    before = good.read_bytes()
    result = subprocess.run([BIN, "train", "--init", str(good), "--lr", "1e10", "--steps", "20", "--out", str(good)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "training diverged at step 2: the loss became NaN" in result.stderr
    assert f"{good} was left as it was" in result.stderr and "--clip" in result.stderr
    assert good.read_bytes() == before

    result = subprocess.run([BIN, "train", "--preset", "tiny", "--optimizer", "sgd", "--lr", "1e30", "--steps", "20",
                             "--out", str(tmp_path / "new.safetensors")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "diverged at step" in result.stderr and "nothing was saved" in result.stderr
    assert not (tmp_path / "new.safetensors").exists()


@pytest.fixture
def kc(tmp_path):
    km, client = start_new_kernel(kernel_name=kernel_fixtures.KERNEL_NAME, startup_timeout=30, cwd=str(tmp_path))
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code):
    outputs = []
    reply = kc.execute_interactive(code, timeout=60, output_hook=outputs.append)
    return reply["content"], outputs


def test_a_notebook_model_that_diverges_keeps_finite_weights(kc):
    reply, _ = run(kc, "poly = task chebyshev degree=0..5\nm = model preset=tiny seed=1")
    assert reply["status"] == "ok"
    reply, _ = run(kc, "train m on=poly steps=50 lr=1e10")
    assert reply["status"] == "error" and reply["ename"] == "Diverged"
    assert "train diverged at step 2: the loss became NaN" in reply["evalue"]
    assert "keeps the weights of step 1" in "\n".join(reply["traceback"])
    reply, _ = run(kc, 'save m "m.safetensors"\nm2 = load "m.safetensors"\nm2')
    assert reply["status"] == "ok", reply
