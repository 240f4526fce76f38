"""The teaching notebooks: stored without outputs, and each runs top to bottom (reduced size).

`make notebooks` runs them at full size and writes HTML copies to out/notebooks/.
"""

import json
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_the_four_lessons_are_there():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01_order_book", "02_deepseek_monday", "03_contagion_channels",
                     "04_uncertainty_and_batches"], names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_as_valid_notebooks_without_outputs(path):
    json.loads(path.read_text())  # strict JSON
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a lesson runs code"
    assert all(not c.outputs and c.execution_count is None for c in code)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "What you will learn" in text and "Things to notice" in text and "**Try**" in text
    assert any("answer" in c.metadata.get("tags", []) for c in code), "answers in hidden cells"
    assert "SELLOFF_SMOKE" in code[0].source, "the first code cell reads the reduced-size switch"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom_at_reduced_size(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("SELLOFF_SMOKE", "1")  # the kernel inherits it
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert images >= 2, f"{path.name}: only {images} figures rendered"
