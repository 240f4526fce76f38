"""The teaching notebooks: stored without outputs, and each runs top to bottom (reduced size).

`make notebooks` runs them at full size and writes HTML copies to out/notebooks/. A lesson with
a teacher's copy (notebooks/teacher/NAME.ipynb, answers in it) has a students' copy without
answers (notebooks/NAME.ipynb), made from it by notebooks/student_copy.py: both are run here.
"""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[1] / "notebooks"
NOTEBOOKS = sorted(ROOT.glob("*.ipynb"))
TEACHER = sorted((ROOT / "teacher").glob("*.ipynb"))
ALL = NOTEBOOKS + TEACHER


def _id(p: Path) -> str:
    return ("teacher/" if p.parent.name == "teacher" else "") + p.stem


def test_the_four_lessons_are_there():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01_order_book", "02_deepseek_monday", "03_contagion_channels",
                     "04_uncertainty_and_batches"], names
    assert [p.stem for p in TEACHER] == ["03_contagion_channels"]


def _answers(nb) -> list:
    return [c for c in nb.cells if "answer" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_stored_as_valid_notebooks_without_outputs(path):
    json.loads(path.read_text())  # strict JSON
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a lesson runs code"
    assert all(not c.outputs and c.execution_count is None for c in code)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "What you will learn" in text and "Things to notice" in text and "**Try**" in text
    assert "SELLOFF_SMOKE" in code[0].source, "the first code cell reads the reduced-size switch"
    has_teacher = (ROOT / "teacher" / path.name).exists()
    if path.parent.name == "teacher":
        assert _answers(nb), "the teacher's copy has the answers"
    elif has_teacher:
        assert not _answers(nb), "the students' copy has no answers (Run All would show them)"
        assert any("exercise" in c.metadata.get("tags", []) for c in code)
    else:
        assert _answers(nb), "answers in hidden cells"


@pytest.mark.parametrize("path", TEACHER, ids=_id)
def test_students_copy_is_the_teachers_without_answers(path):
    """notebooks/student_copy.py made the students' copy from the teacher's, and neither has
    changed since: every cell the same but each answer, which is an empty exercise cell."""
    spec = importlib.util.spec_from_file_location("student_copy", ROOT / "student_copy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    teacher = nbformat.read(path, as_version=4)
    student = nbformat.read(ROOT / path.name, as_version=4)
    assert nbformat.writes(mod.student_copy(teacher)) == nbformat.writes(student), (
        "the students' copy is out of date: run python notebooks/student_copy.py")
    n = len(_answers(teacher))
    assert n and len(student.cells) == len(teacher.cells)
    changed = [k for k, (a, b) in enumerate(zip(teacher.cells, student.cells, strict=True))
               if a.source != b.source]
    assert changed == [k for k, c in enumerate(teacher.cells)
                       if "answer" in c.metadata.get("tags", [])]


@pytest.mark.slow
@pytest.mark.parametrize("path", ALL, ids=_id)
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
    printed = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert "informationl" not in printed and " 1 seeds" not in printed
    for c in _answers(nb):  # every answer prints what it found
        assert any(o.get("text") for o in c.outputs), c.source[:60]
