"""Golden certificates, as reviewable JSON: they replay, and the checkers still write them byte for byte."""
import json

import pytest

from checkers.replay import replay
from tests.golden_certificates import CASES, GOLDEN, certificate, render


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_certificate_replays(name):
    obj = json.loads((GOLDEN / name).read_text())
    assert replay(obj) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_checkers_still_write_the_golden_certificate(name):
    # a difference here is a change of the certificate format or of a proof: review it, then regenerate
    # with `python -m tests.golden_certificates`
    assert render(certificate(name)) == (GOLDEN / name).read_text()


def test_a_golden_refutation_names_an_exact_witness():
    obj = json.loads((GOLDEN / "refuted_relu_difference_smt.json").read_text())
    w = obj["witness"]
    assert obj["verdict"] == "refuted" and w["fx"] != w["fy"]
    assert all("/" not in v or int(v.split("/")[1]) <= 10**6 for v in w["x"] + w["y"])
