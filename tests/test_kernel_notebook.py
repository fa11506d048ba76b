"""nbclient executes a small notebook with the kernel, end to end."""
import nbformat
from nbclient import NotebookClient

import kernel_fixtures


def test_nbclient_runs_the_sample_notebook():
    nb = nbformat.read(kernel_fixtures.ROOT / "tests/data/kernel_sample.ipynb", as_version=4)
    NotebookClient(nb, kernel_name=kernel_fixtures.KERNEL_NAME, timeout=30).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3, 4, 5]

    assert code[0].outputs == [nbformat.v4.new_output("stream", name="stdout", text="hello, world\n")]
    assert code[1].outputs[0].output_type == "execute_result"
    assert code[1].outputs[0].data == {"text/plain": "3"}
    assert code[2].outputs[0].data["text/html"] == "<b>hi</b>"
    # nbclient applies update_display_data in place: one output showing the final state.
    assert len(code[3].outputs) == 1
    assert code[3].outputs[0].data["text/plain"].endswith(" 3/3 (100%)")
    assert code[4].outputs[0].name == "stderr" and code[4].outputs[0].text == "warning\n"
    nbformat.validate(nb)
