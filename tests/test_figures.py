"""Figures are written as valid, non-empty PNG files."""
import struct

import numpy as np
import pytest
from matplotlib.image import imread

from counterexamples.bounds import certify_data
from counterexamples.figures import activation_facts_text, catalogue_figure, curves_figure, region_figure
from counterexamples.gallery import get_target
from counterexamples.trainer import train_one
from theory.activations import get_activation

PNG = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_w=300, min_h=200):
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5000
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert width >= min_w and height >= min_h
    img = imread(path)
    assert img.shape[:2] == (height, width)
    assert float(np.std(img[..., :3])) > 0.01  # not a blank canvas


@pytest.fixture(scope="module")
def trained():
    t = get_target("xor-continuous")
    X, y = t.dataset()
    b = certify_data(X, y)
    nonneg = train_one(X, y, activation="sigmoid", constraint="project", loss="sup", epochs=300)
    free = train_one(X, y, activation="sigmoid", constraint="free", epochs=300)
    return t, X, y, b, nonneg, free


def test_region_figure(tmp_path, trained):
    t, X, y, b, nonneg, free = trained
    path = region_figure(t, nonneg, free, b, X, y, tmp_path / "sub" / "region.png")
    assert path.exists()
    assert_png(path, 800, 300)


def test_region_figure_refuses_non_2d(tmp_path, trained):
    _, _, _, b, nonneg, free = trained
    t = get_target("parity3")
    X, y = t.dataset()
    with pytest.raises(ValueError, match="2-D"):
        region_figure(t, nonneg, free, b, X, y, tmp_path / "x.png")


def test_curves_figure(tmp_path, trained):
    _, _, _, b, nonneg, free = trained
    path = curves_figure([("nonneg", nonneg), ("free", free)], b, tmp_path / "curves.png", title="t")
    assert_png(path, 800, 300)


def test_catalogue_figure_with_proven_properties(tmp_path):
    acts = [get_activation(n) for n in ("relu", "sigmoid", "gelu")]
    path = catalogue_figure(tmp_path / "acts.png", acts)
    assert_png(path, 600, 200)
    relu = activation_facts_text(acts[0])
    assert "proved" in relu and "non-decr." in relu and "convex" in relu
    assert "refuted" in activation_facts_text(acts[2]) and "non-decr." in activation_facts_text(acts[2]).split(
        "refuted:")[1]
