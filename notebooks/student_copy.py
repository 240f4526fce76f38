"""The students' copy of a lesson, made from the teacher's: ``python notebooks/student_copy.py``.

``notebooks/teacher/NAME.ipynb`` holds a lesson with its answers (code cells tagged "answer");
``notebooks/NAME.ipynb`` is the same notebook with each answer cell replaced by an empty
exercise cell, so Run All in a class shows no answer. Edit the teacher's copy, then run this;
tests/test_notebooks.py fails when the two differ.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
TEACHER = HERE / "teacher"

__all__ = ["student_copy", "main"]


def student_copy(nb):
    """`nb` (a teacher's notebook) with every "answer" cell replaced by an exercise cell."""
    out = copy.deepcopy(nb)
    n = 0
    for k, cell in enumerate(out.cells):
        if "answer" in cell.metadata.get("tags", []):
            n += 1
            ex = nbformat.v4.new_code_cell(
                f"# Exercise {n}: your code here (the answer is in the teacher's copy)",
                metadata={"tags": ["exercise"]})
            ex["id"] = cell.get("id", f"exercise-{n}")
            out.cells[k] = ex
    return out


def main() -> int:
    """Write notebooks/NAME.ipynb for every notebooks/teacher/NAME.ipynb."""
    for path in sorted(TEACHER.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.write(student_copy(nb), HERE / path.name)
        print(f"{path.relative_to(HERE.parent)} -> notebooks/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
