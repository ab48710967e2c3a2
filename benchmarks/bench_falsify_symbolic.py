"""Timing of the falsification search and the symbolic checker (not a test; run by hand).

Falsify: mixed-sign random ReLU MLPs (the issue's 4-32-32-1 target: "sampling finds the violation at once"),
seeds 0..4, time to a rechecked refutation.  Symbolic: all-non-negative sigmoid MLPs (concrete) and
architecture strings, time to Proved and time to replay the certificate.

    python3 benchmarks/bench_falsify_symbolic.py
"""
import json
import statistics
import time

import numpy as np

from checkers import falsify, symbolic
from checkers.kernel import verdict_to_json
from checkers.replay import replay
from theory.activations import get_activation
from theory.architecture import parse_architecture
from theory.claims import monotone_claim
from theory.network import Act, Network, dense


def random_net(rng, shape, act, nonneg):
    layers = []
    for a, b in zip(shape[:-1], shape[1:]):
        w = rng.normal(size=(b, a))
        layers += [dense(np.abs(w) if nonneg else w, rng.normal(size=b)), Act(get_activation(act))]
    return Network.chain(layers[:-1], shape[0])


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main():
    print("| falsify: shape (mixed-sign relu) | refuted / 5 | median s | max s |")
    print("|---|---|---|---|")
    for shape in [(2, 8, 1), (2, 16, 16, 1), (4, 32, 32, 1), (8, 64, 64, 1)]:
        times, found = [], 0
        for seed in range(5):
            claim = monotone_claim(random_net(np.random.default_rng(seed), shape, "relu", False))
            v, s = timed(lambda: falsify.check(claim))
            times.append(s)
            found += v.verdict == "refuted"
        print(f"| {'-'.join(map(str, shape))} | {found} | {statistics.median(times):.3f} | {max(times):.3f} |")
    print()
    print("| symbolic: model | verdict | check s | replay s |")
    print("|---|---|---|---|")
    models = [("2-3-1:sigmoid:nonneg", None), ("2-8-8-1:sigmoid:nonneg", None), ("4-16-16-1:tanh:nonneg", None),
              ("2-3-1:sigmoid:any", None), ("concrete 2-32-32-1 sigmoid nonneg", (2, 32, 32, 1)),
              ("concrete 3-20-20-20-1 sigmoid nonneg", (3, 20, 20, 20, 1))]
    for name, shape in models:
        net = parse_architecture(name) if shape is None else random_net(np.random.default_rng(0), shape, "sigmoid", True)
        claim = monotone_claim(net)
        v, s = timed(lambda: symbolic.check(claim))
        r = "-"
        if v.verdict == "proved":
            obj = json.loads(json.dumps(verdict_to_json(v, claim)))
            fails, rs = timed(lambda: replay(obj))
            r = f"{rs:.2f}" + ("" if not fails else " FAILED")
        print(f"| {name} | {v.verdict} | {s:.2f} | {r} |")


if __name__ == "__main__":
    main()
