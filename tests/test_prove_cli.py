"""The `prove` and `replay` contract: verdicts, JSON fields, exit codes, bad input."""
import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from negproof.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_prove_architecture_json_fields():
    code, out = run("prove", "2-8-8-1:any-nondecreasing:nonneg", "--json")
    obj = json.loads(out)
    assert code == 0
    assert obj["verdict"] == "proved" and obj["property"] == "monotone"
    assert {"method", "seconds"} <= set(obj)


def test_refuted_json_has_exact_witness(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, W0=np.array([[1.0, -1.0]]), b0=np.zeros(1), activations=np.array(["relu"]))
    code, out = run("prove", str(path), "--json", "--certificate", str(tmp_path / "c.json"))
    obj = json.loads(out)
    assert code == 1 and obj["verdict"] == "refuted"
    w = obj["witness"]
    assert {"x", "y", "fx", "fy", "input", "output"} <= set(w)
    from fractions import Fraction

    x, y = [Fraction(v) for v in w["x"]], [Fraction(v) for v in w["y"]]
    assert all(a <= b for a, b in zip(x, y)) and Fraction(w["fx"]) > Fraction(w["fy"])
    assert max(x[0] - x[1], 0) == Fraction(w["fx"])  # the exact value of relu(x0 - x1)
    code, out = run("replay", str(tmp_path / "c.json"))
    assert code == 0, out


def test_unknown_exits_3():
    code, out = run("prove", "2-4-1:relu:any", "--json", "--timeout", "20")
    assert code == 3 and json.loads(out)["verdict"] == "unknown"


def test_certificate_round_trip(tmp_path):
    cert = tmp_path / "c.json"
    code, _ = run("prove", "3-5-2:tanh:nonneg", "--certificate", str(cert))
    assert code == 0
    code, out = run("replay", str(cert), "--json")
    assert code == 0 and json.loads(out)["replay"] == "holds"


@pytest.mark.parametrize("args, words", [
    (["prove", "missing.npz"], "not found"),
    (["prove", "2-x-1"], "neither an existing"),
    (["prove", "2-4-1:swish"], "unknown activation"),
    (["prove", "2-4-1:relu", "--box", "1:0"], "LO > HI"),
    (["prove", "2-4-1:relu", "--input", "7"], "out of range"),
    (["replay", "missing.json"], "not found"),
])
def test_bad_input_is_one_line_exit_2(args, words):
    code, out = run(*args)
    assert code == 2
    assert words in out and "Traceback" not in out


def test_nan_weights_in_a_real_process(tmp_path):
    path = tmp_path / "nan.npz"
    np.savez(path, W0=np.array([[np.nan, 1.0]]), activations=np.array([], dtype=str))
    proc = subprocess.run([sys.executable, "-m", "negproof.cli", "prove", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "NaN" in proc.stderr and "Traceback" not in proc.stderr


def test_latex_chain_rule_for_teaching():
    code, out = run("prove", "2-2-1:sigmoid:nonneg", "--latex", "--json")
    obj = json.loads(out)
    assert code == 0 and set(obj["latex"]) == {"df0/dx0", "df0/dx1"}
    assert r"\operatorname{sigmoid}'" in obj["latex"]["df0/dx0"] and r"\sum" in obj["latex"]["df0/dx0"]


def test_unwritable_output_path_is_bad_input():
    code, out = run("prove", "2-2-1:relu:nonneg", "--certificate", "/nonexistent-dir/c.json")
    assert code == 2 and "cannot use '/nonexistent-dir/c.json'" in out and "Traceback" not in out


def test_smtlib_files_written_by_prove_are_rechecked_by_cvc5(tmp_path):
    from checkers.smt import cvc5_answers

    path = tmp_path / "m.npz"
    np.savez(path, W0=np.array([[1.0, -1.0]]), b0=np.zeros(1), activations=np.array(["relu"]))
    expected = {str(path): ["sat"], "2-4-1:any-nondecreasing:nonneg": ["unsat"]}
    for model, answers in expected.items():
        smt = tmp_path / "q.smt2"
        code, _ = run("prove", model, "--method", "smt", "--smtlib", str(smt))
        assert code == (1 if answers == ["sat"] else 0)
        assert cvc5_answers(smt.read_text(), 60) == answers
