"""The `negproof refute` and `negproof gallery` contracts: JSON fields, exit codes, bad input, certificates."""
import json

import pytest
from click.testing import CliRunner

from negproof.cli import main


def run(*args):
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def test_refute_gallery_json_fields():
    code, out = run("refute", "xor", "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["verdict"] == "refuted" and obj["class"] == "nonneg"
    assert set(obj["witness"]) == {"x", "y", "gx", "gy"}
    assert obj["violation"] == "1" and obj["sup_error_lower_bound"] == "1/2"
    assert obj["optimal_sup_error"] == "1/2" and abs(obj["mse_lower_bound"] - 1 / 6) < 1e-15
    att = obj["attained"]
    assert att["proved_order_preserving"] and abs(att["sup_error"] - 0.5) < 1e-9
    assert att["sigmoid_proved_order_preserving"] and abs(att["sigmoid_sup_error"] - 0.5) < 1e-3


def test_refute_text_reads_out():
    code, out = run("refute", "positive-slope")
    assert code == 0 and "REFUTED" in out and "sup-error >= 1/2" in out and "Attained" in out


def test_consistent_exit_1():
    code, out = run("refute", "x0 + x1", "--json")
    assert code == 1 and json.loads(out)["verdict"] == "consistent"


def test_data_csv(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("x0,x1,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    code, out = run("refute", str(f), "--json")
    obj = json.loads(out)
    assert code == 0 and obj["mse_lower_bound_exact"] == "1/6" and obj["optimal_sup_error"] == "1/2"
    mono = tmp_path / "m.csv"
    mono.write_text("x0,y\n0,0.1\n1,0.2\n0.5,0.15\n")
    assert run("refute", str(mono))[0] == 1


def test_data_option_with_a_target(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("x0,x1\n0,0\n0,1\n1,1\n")
    code, out = run("refute", "xor", "--data", str(f), "--json")
    assert code == 0 and json.loads(out)["witness"]["x"] == ["0", "1"]
    code, out = run("refute", "x0*x1", "--data", str(f), "--json")
    assert code == 1


def test_certificate_replay_and_tampering(tmp_path):
    cert = tmp_path / "c.json"
    assert run("refute", "closed-shape", "--certificate", str(cert))[0] == 0
    assert run("replay", str(cert))[0] == 0
    obj = json.loads(cert.read_text())
    assert obj["claim"]["property"] == "refutation" and obj["format"] == "negproof-certificate"
    obj["witness"]["y"] = ["1/2", "1/2"]  # g(y) = 1 now: no violation
    cert.write_text(json.dumps(obj))
    assert run("replay", str(cert))[0] == 1


def test_data_certificate_detects_changed_file(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("x0,y\n0,1\n1,0\n")
    cert = tmp_path / "c.json"
    assert run("refute", str(f), "--certificate", str(cert))[0] == 0
    assert run("replay", str(cert))[0] == 0
    f.write_text("x0,y\n0,1\n1,0.5\n")
    assert run("replay", str(cert))[0] == 1


@pytest.mark.parametrize("content,needle", [
    ("x0,x1,y\n0,,1\n", "missing value"),
    ("x0,x1,y\n0,a,1\n", "not a number"),
    ("x0,x1,y\n", "no rows"),
    ("a,b,y\n0,1,1\n", "header"),
    ("", "empty"),
    ("x0,y\n0,1,2\n", "values"),
    ("x0,y\n0,nan\n", "not finite"),
])
def test_bad_csv(tmp_path, content, needle):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    code, out = run("refute", str(f))
    assert code == 2 and needle in out and "Traceback" not in out and len(out.strip().splitlines()) == 1


@pytest.mark.parametrize("args,needle", [
    (["x0*("], "does not parse"),
    (["foo(x0)"], "unknown function"),
    (["x0 + y"], "unknown name"),
    (["xorr"], "did you mean 'xor'"),
    (["x0 + x5", "--data", "POINTS"], "dimension"),
    (["xor", "--class", "free"], "unknown class"),
    (["x0", "--box", "1:0"], "empty"),
    (["missing.csv"], "not found"),
])
def test_bad_input_exit_2(tmp_path, args, needle):
    pts = tmp_path / "pts.csv"
    pts.write_text("x0,x1\n0,0\n1,1\n")
    args = [str(pts) if a == "POINTS" else a for a in args]
    code, out = run("refute", *args)
    assert code == 2 and needle in out and "Traceback" not in out


def test_gallery_listing():
    code, out = run("gallery", "--json")
    obj = json.loads(out)
    names = {t["name"] for t in obj["targets"]}
    assert {"xor", "not", "decreasing", "parity3", "positive-slope", "closed-shape", "disconnected"} <= names
    assert all(t["documented_bound"] == "1/2" for t in obj["targets"] if t["class"] == "nonneg")
    assert {(t["name"], t["documented_bound"]) for t in obj["targets"] if t["class"] == "nonneg-convex"} == \
        {("or", "1/4"), ("max", "1/4")}
    code, out = run("gallery")
    assert code == 0 and "closed-shape" in out and "1/2" in out


def test_caret_is_power_with_the_precedence_of_double_star():
    from counterexamples.expressions import parse_expression

    expr, d = parse_expression("x0^2+x1")
    same, _ = parse_expression("x0**2 + x1")
    assert d == 2 and expr == same
