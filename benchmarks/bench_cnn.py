"""CNN layers through the structural checker: build, prove (layer rule), replay, exact evaluation.

Run: python3 benchmarks/bench_cnn.py   (prints a markdown table; results in benchmarks/results_cnn.md)
"""
import time

import numpy as np

from checkers.cascade import prove
from checkers.kernel import verdict_to_json
from checkers.replay import replay
from theory.activations import get_activation
from theory.claims import monotone_claim
from theory.cnn import AvgPool2D, BatchNorm, Conv2D, MaxPool2D
from theory.exact import endpoints, exact_forward
from theory.network import Act, Network, dense


def build(side: int, c1: int, c2: int, seed: int = 0) -> Network:
    """1 x side x side -> conv3x3(c1) -> relu -> maxpool2 -> conv3x3(c2) -> batchnorm -> relu -> avgpool2 -> dense(10)."""
    rng = np.random.default_rng(seed)
    relu = Act(get_activation("relu"))
    s1 = side - 2
    p1 = s1 // 2
    s2 = p1 - 2
    p2 = s2 // 2
    layers = [Conv2D(np.abs(rng.normal(size=(c1, 1, 3, 3))), rng.normal(size=c1), (1, side, side)), relu,
              MaxPool2D((c1, s1, s1), 2),
              Conv2D(np.abs(rng.normal(size=(c2, c1, 3, 3))), rng.normal(size=c2), (c1, p1, p1)),
              BatchNorm(np.abs(rng.normal(size=c2)), rng.normal(size=c2), rng.normal(size=c2),
                        rng.uniform(0.5, 2, size=c2), 1e-5, in_shape=(c2, s2, s2)), relu,
              AvgPool2D((c2, s2, s2), 2), dense(np.abs(rng.normal(size=(10, c2 * p2 * p2))))]
    return Network.chain(layers, side * side, source="bench")


def main():
    print("| input | channels | weights | build s | prove s | replay s | forward 1000 s | exact eval s |")
    print("|---|---|---|---|---|---|---|---|")
    for side, c1, c2 in ((12, 4, 4), (16, 8, 8), (28, 8, 16)):
        t = time.perf_counter()
        net = build(side, c1, c2)
        t_build = time.perf_counter() - t
        claim = monotone_claim(net)
        t = time.perf_counter()
        verdict = prove(claim, "structural")
        t_prove = time.perf_counter() - t
        assert verdict.verdict == "proved"
        cert = verdict_to_json(verdict, claim)
        t = time.perf_counter()
        assert replay(cert) == []
        t_replay = time.perf_counter() - t
        x = np.random.default_rng(1).uniform(0, 1, size=(1000, side * side))
        t = time.perf_counter()
        fx = net.forward(x)
        t_fwd = time.perf_counter() - t
        t = time.perf_counter()
        lo, hi = endpoints(exact_forward(net, list(x[0]))[0])
        t_exact = time.perf_counter() - t
        assert lo <= hi and abs(float(lo) - fx[0, 0]) < 1e-9 * (1 + abs(fx[0, 0]))
        print(f"| 1x{side}x{side} | {c1}, {c2} | {net.n_weights} | {t_build:.3f} | {t_prove:.3f} | {t_replay:.3f} "
              f"| {t_fwd:.3f} | {t_exact:.2f} |")


if __name__ == "__main__":
    main()
