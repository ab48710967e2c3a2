"""Structural proof of an all-non-negative MLP with ~10^8 weights vs a bare numpy scan, same run.

Target (issue 2, section 7): the proof takes at most 2x the time of ``all((W >= 0).all() for W in weights)``.
Run: ``python benchmarks/bench_structural.py [--weights N]``.  Prints a Markdown table row.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from checkers.structural import check
from theory.activations import get_activation
from theory.claims import monotone_claim
from theory.network import Act, Network, dense


def build(n_weights: int, seed: int = 0):
    width = int((n_weights / 2) ** 0.5)
    rng = np.random.default_rng(seed)
    shapes = [(width, width), (width, width)]
    weights = [rng.random(size=s, dtype=np.float64) for s in shapes]  # uniform [0, 1): all >= 0
    return weights, width


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", type=float, default=1e8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    weights, width = build(int(args.weights))
    t0 = time.perf_counter()
    layers = [dense(weights[0]), Act(get_activation("relu")), dense(weights[1]), Act(get_activation("relu")),
              dense(np.ones((1, width)))]
    net = Network.chain(layers, width, source="benchmark")
    t_build = time.perf_counter() - t0
    claim = monotone_claim(net)
    t0 = time.perf_counter()
    first = check(claim)  # cold: proves the z3 lemmas and the activation facts once
    t_cold = time.perf_counter() - t0
    assert first.verdict == "proved", first
    scan, proof = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        ok = all(bool((w >= 0).all()) for w in weights)
        scan.append(time.perf_counter() - t0)
        assert ok
        t0 = time.perf_counter()
        v = check(claim)
        proof.append(time.perf_counter() - t0)
        assert v.verdict == "proved"
    s, p = statistics.median(scan), statistics.median(proof)
    print(f"| {net.n_weights:.3g} | {s:.3f} | {p:.3f} | {p / s:.2f}x | {t_cold:.3f} | {t_build:.2f} |")


if __name__ == "__main__":
    print("| weights | numpy scan (s, median) | structural proof (s, median) | ratio | cold proof (s) | Network() validation (s) |")
    print("|---|---|---|---|---|---|")
    main()
