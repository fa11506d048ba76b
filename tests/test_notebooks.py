"""Executes every notebook in notebooks/ through the installed PolyICL kernel with nbclient
(as CI and `scripts/main.sh --headless` do) and checks that each expected output is there:
no errors, the plots, the tables, the final state of the live training display.

The short-training switch: code cells tagged `short-training` have their `steps=N`
replaced by `steps=40` (`warmup=N` by 4, `samples=N` by at most 256), so the test runs in well under a
minute; the notebooks themselves run the full demo."""
import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

import kernel_fixtures

NOTEBOOKS = sorted((kernel_fixtures.ROOT / "notebooks").glob("*.ipynb"))


def shorten(source: str) -> str:
    source = re.sub(r"\bsteps=\d+", "steps=40", source)
    source = re.sub(r"\bwarmup=\d+", "warmup=4", source)
    return re.sub(r"\bsamples=(\d+)", lambda m: f"samples={min(int(m.group(1)), 256)}", source)


def execute(path: pathlib.Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "short-training" in cell.metadata.get("tags", []):
            cell.source = shorten(cell.source)
    NotebookClient(nb, kernel_name=kernel_fixtures.KERNEL_NAME, timeout=600,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def executed(request):
    return request.param, execute(request.param)


def outputs_of(cell):
    return [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]


def test_no_cell_fails(executed):
    _, nb = executed
    for cell in nb.cells:
        if cell.cell_type == "code":
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, f"cell {cell.source!r} failed: {errors}"
    nbformat.validate(nb)


def test_expected_outputs_are_there(executed):
    path, nb = executed
    if path.name != "01-in-context-learning.ipynb":
        pytest.skip("expectations are written for notebook 01")
    code = {cell.metadata.get("tags", [None])[0] if cell.metadata.get("tags") else None: cell
            for cell in nb.cells if cell.cell_type == "code"}
    svg = lambda cell: [o for o in outputs_of(cell) if "image/svg+xml" in o.data]
    # Figure 1: two joint-density heatmaps.
    assert len(svg(code["figure-1"])) == 2
    assert "density" in code["figure-1"].outputs[0].data["text/plain"]
    # Sampled tasks: one grid of function plots.
    assert "<svg" in svg(code["samples"])[0].data["image/svg+xml"]
    # The training demo: one display, in its final state (the summary with the loss curve).
    train = code["short-training"]
    final = outputs_of(train)
    assert final[0].data["text/plain"].startswith("trained demo: ")
    assert "<svg" in final[0].data["text/html"]
    # The shipped checkpoint loads and shows its configuration.
    assert "parameters:" in outputs_of(code["load"])[-1].data["text/plain"]
    # Figure 2: error against context length with the baselines, then the table.
    figure = svg(code["figure-2"])[-1].data["image/svg+xml"]
    for name in ("pre", "least squares", "ridge 0.2"):
        assert name in figure
    table = outputs_of(code["table"])[-1].data
    assert "<table" in table["text/html"] and "pre mean" in table["text/plain"]
    # ... with the paired comparison against ridge: a second panel and the difference columns.
    assert "paired difference (below 0: model better)" in figure
    assert "pre \u2212 ridge 0.2 mean" in table["text/plain"] and "pre \u2212 ridge 0.2 upper" in table["text/plain"]
    assert "small \u2212 ridge 0.2 mean" in outputs_of(code["small-eval"])[-1].data["text/plain"]
    # Predictions on sampled polynomials.
    assert "pre prediction" in svg(code["predictions"])[-1].data["image/svg+xml"]


def test_notebook_06_shows_shifts_spectra_and_the_signature(executed):
    path, nb = executed
    if path.name != "06-distribution-shift-and-spectra.ipynb":
        pytest.skip("expectations are written for notebook 06")
    code = {cell.metadata["tags"][0]: cell for cell in nb.cells if cell.cell_type == "code" and cell.metadata.get("tags")}
    html = lambda cell: [o.data["text/html"] for o in outputs_of(cell) if "text/html" in o.data]
    text = lambda cell: "\n".join(o.data.get("text/plain", "") for o in outputs_of(cell))
    # The demo trains with the dimension curriculum and ends as its summary.
    assert outputs_of(code["short-training"])[0].data["text/plain"].startswith("trained demo: ")
    assert "parameters:" in text(code["load"])
    # Error by shift size: a log-scale figure with the model and least squares, then the table.
    for tag, label in (("shift-x", "x shift"), ("shift-scale", "x scale"), ("shift-scale", "w scale")):
        shown = html(code[tag])
        assert any("<svg" in h and "least squares" in h and label in h for h in shown), (tag, label)
    assert "lin5 mean" in text(code["shift-x"]) and "least squares mean" in text(code["shift-x"])
    # Spectra: one panel per layer (embedding and 3 blocks), the reference and the sizes.
    spectra = html(code["spectra"])[-1]
    for piece in ("embedding", "layer 3", "in distribution (reference)", "x shift 4"):
        assert piece in spectra, piece
    # Signature: the correlation table, the score panels and the printed correlations.
    for tag in ("signature-x", "signature-w"):
        assert "pearson" in text(code[tag]) and "spearman" in text(code[tag])
        figure = html(code[tag])[-1]
        assert "Pearson r = " in figure and "Spearman ρ = " in figure and "signature score by" in figure


def test_notebook_02_lora_vs_soft_prompts(executed):
    path, nb = executed
    if path.name != "02-lora-vs-soft-prompts.ipynb":
        pytest.skip("expectations for notebook 02")
    code = {cell.metadata["tags"][0]: cell for cell in nb.cells if cell.cell_type == "code" and cell.metadata.get("tags")}
    streams = lambda cell: "".join(o.text for o in cell.outputs if o.output_type == "stream")
    # The adapters report the paper's parameter counts for this model: LoRA rank 4 on c_attn of
    # 2 blocks 64 wide = 2 * 4 * (64 + 192); 10 soft prompt pairs = 2 * 10 * 64.
    assert "2,048 trainable parameters" in streams(code["adapters"])
    assert "1,280 trainable parameters" in streams(code["adapters"])
    # Eight fine-tuning runs, one LoRA and one soft-prompt model per fixed count, each ending with its summary.
    finals = [o.data["text/plain"] for o in outputs_of(code["finetune"])]
    for k in (0, 1, 3, 5):
        assert any(t.startswith(f"trained ft{k}: ") for t in finals) and any(t.startswith(f"trained sp{k}: ") for t in finals)
    # Figure 3: one panel per k, each with that panel's own fine-tuned pair and the baselines.
    result = outputs_of(code["figure-3"])[-1].data
    for k in (0, 1, 3, 5):
        for name in ("pre", f"ft{k}", f"sp{k}", "least squares", "ridge 0.2"):
            assert f"k{k}: {name} mean" in result["text/plain"], (k, name)
    assert "<svg" in result["text/html"] and all(f">k{k}<" in result["text/html"] for k in (0, 1, 3, 5))
    # Adapters saved with peft names, a merged checkpoint, and the adapters loaded back onto pre.
    saved = streams(code["save"])
    assert "saved the adapters of ft3" in saved and "saved the adapters of sp3" in saved and "saved ft3" in saved
    # In a cell of its own: a cell's files are checked before any of its lines runs.
    assert "loaded LoRA rank 4 on attn.c_attn (2,048 parameters) from lora-adapters.safetensors onto a copy of pre" in streams(code["load-back"])


def test_notebook_03_alignment_and_jailbreaking(executed):
    path, nb = executed
    if path.name != "03-alignment-and-jailbreaking.ipynb":
        pytest.skip("expectations for notebook 03")
    code = {cell.metadata["tags"][0]: cell for cell in nb.cells if cell.cell_type == "code" and cell.metadata.get("tags")}
    # Figure 4: medians above and below the threshold, the chart and one clamped polynomial.
    figure = outputs_of(code["figure-4"])[-1].data
    assert "pre above median" in figure["text/plain"] and "pre below median" in figure["text/plain"]
    # Three charts: medians, violation rates, one clamped polynomial.
    assert figure["text/html"].count("<svg") == 3 and "pre after 10 clamped points" in figure["text/html"]
    assert "pre violation rate" in figure["text/plain"]
    # Alignment fine-tuning with the hinge loss ends with its summary.
    assert any(o.data["text/plain"].startswith("trained aligned: ") for o in outputs_of(code["align-finetune"]))
    after = outputs_of(code["figure-4-after"])[-1].data["text/plain"]
    assert "aligned above median" in after and "plain violation rate" in after
    # Figure 5: fractions above the threshold for k = 0..10, two panels.
    jb = outputs_of(code["figure-5"])[-1].data
    assert "aligned above threshold mean" in jb["text/plain"]
    rows = [line.split() for line in jb["text/plain"].splitlines() if line.strip()[:2].strip().isdigit()]
    assert [int(r[0]) for r in rows] == list(range(11))
    assert "answers above the threshold" in jb["text/html"]


def test_notebook_05_noise_and_model_size(executed):
    path, nb = executed
    if path.name != "05-noise-and-model-size.ipynb":
        pytest.skip("expectations for notebook 05")
    code = {cell.metadata["tags"][0]: cell for cell in nb.cells if cell.cell_type == "code" and cell.metadata.get("tags")}
    # Figure 13: errors to the noise-free truth beside ridge 0.5, one panel per k.
    result = outputs_of(code["figure-13"])[-1].data
    for k in (0, 1, 3, 5):
        for name in (f"lora{k} mean", f"soft{k} mean", "ridge 0.5 mean"):
            assert f"noisy{k}: {name}" in result["text/plain"]
    assert "to the noise-free y" in result["text/plain"] and "<svg" in result["text/html"]
    # Figure 14: the small, medium and large models side by side.
    sizes = outputs_of(code["figure-14"])[-1].data["text/plain"]
    assert "small violation rate" in sizes and "medium above median" in sizes
    assert "large violation rate" in sizes and "large below median" in sizes


def test_notebook_04_soft_prompt_perturbation(executed):
    path, nb = executed
    if path.name != "04-soft-prompt-perturbation.ipynb":
        pytest.skip("expectations for notebook 04")
    code = {cell.metadata["tags"][0]: cell for cell in nb.cells if cell.cell_type == "code" and cell.metadata.get("tags")}
    # 2 pairs: 4 soft vectors, each with its nearest hard prompt.
    table = outputs_of(code["nearest"])[-1].data["text/plain"]
    assert "distance" in table and "soft norm" in table
    rows = [line.split() for line in table.splitlines() if line.strip()[:1].isdigit()]
    assert [int(r[0]) for r in rows[:4]] == [0, 1, 2, 3]
    # Figure 12: 8 scales and 9 angles, two panels.
    curves = outputs_of(code["figure-12"])[-1].data
    values = [line.split() for line in curves["text/plain"].splitlines() if line.strip()[:1].isdigit()]
    assert len(values) == 17
    assert "soft prompt scaled" in curves["text/html"] and "turned toward its hard prompts" in curves["text/html"]
