"""The teaching notebook runs top to bottom (its code cells, in order, in one namespace)."""
import contextlib
import io
import json
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "walkthrough.ipynb"


def test_walkthrough_runs_and_says_what_it_claims():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    namespace, out = {}, io.StringIO()
    with contextlib.redirect_stdout(out):
        for cell in cells:
            if cell["cell_type"] == "code":
                exec(compile("".join(cell["source"]), str(NOTEBOOK), "exec"), namespace)
    text = out.getvalue()
    assert "failures on replay: []" in text
    assert "gelu     non-decreasing: refuted" in text and "relu     non-decreasing: proved" in text
    assert "refuted by" in text
    assert "sup-error >= 1/2" in text
