"""`negproof demo --quick` end to end, and the `negproof train` contract."""
import json
import re

import pytest
from click.testing import CliRunner

from counterexamples.gallery import GALLERY
from negproof.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--quick"])
    return out, result


def test_demo_exits_zero_and_summarizes(demo):
    out, result = demo
    assert result.exit_code == 0, result.output
    assert "targets refuted with certified bounds" in result.output
    assert re.search(r"0 violation\(s\)", result.output)
    assert str(out / "report.md") in result.output


def test_report_names_every_gallery_target_and_links_existing_figures(demo):
    out, _ = demo
    text = (out / "report.md").read_text()
    for name in GALLERY:
        assert f"| {name} |" in text, name
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert "activations.png" in links and len(links) >= len(GALLERY) + 1
    for link in links:
        data = (out / link).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    for arch in ("2-8-8-1:any-nondecreasing:nonneg", "2-8-8-1:relu:nonneg"):
        assert text.count(f"`{arch}`") == 3  # one row per method
    assert "**proved**" in text and "No invariant is violated" in text


def test_train_json_contract():
    result = CliRunner().invoke(main, ["train", "xor", "--activation", "sigmoid", "--nonneg", "--hidden", "8,8",
                                       "--epochs", "600", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for key in ("sup_error", "mse", "sup_error_lower_bound", "mse_lower_bound", "constraint", "activation",
                "checker_verdict"):
        assert key in out
    assert out["constraint"] == "nonneg" and out["activation"] == "sigmoid"
    assert out["checker_verdict"] == "proved"
    assert out["sup_error"] >= out["sup_error_lower_bound"] == 0.5
    assert out["mse"] >= out["mse_lower_bound"] == pytest.approx(1 / 6)


def test_train_free_is_refuted_and_plots(tmp_path):
    plot = tmp_path / "c.png"
    result = CliRunner().invoke(main, ["train", "xor", "--free", "--activation", "tanh", "--epochs", "1500",
                                       "--json", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["constraint"] == "free" and out["mse"] < 0.05 and out["checker_verdict"] == "refuted"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, word", [
    (["train", "xorr"], "did you mean"), (["train", "xor", "--hidden", "8,x"], "--hidden"),
    (["train", "xor", "--epochs", "0"], "--epochs"), (["train", "xor", "--activation", "nope"], "activation"),
    (["train", "xor", "--activation", "any-nondecreasing"], "cannot be trained")])
def test_train_bad_input_exits_2(args, word):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert word in result.output and "Traceback" not in result.output
