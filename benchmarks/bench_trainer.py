"""Time per epoch: the numpy trainer against an equivalent PyTorch CPU loop, same run, same machine.

Both do full-batch Adam (lr 0.05, betas 0.9/0.999, eps 1e-8) on an MLP d-H-H-1 with the same activation,
MSE loss and the projection W <- max(W, 0) after each step (non-negative weights).  The numpy trainer
also records sup-error and MSE each epoch, which the torch loop does not (so numpy does slightly more).
torch is imported only here, never by the package (``pip install torch==2.13.0``).

Usage:  python3 benchmarks/bench_trainer.py [--epochs 500] [--demo]
``--demo`` also times ``negproof demo`` (full budget) and ``negproof demo --quick`` end to end.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from counterexamples.trainer import train_one  # noqa: E402

CASES = [  # (label, n points, d, hidden)
    ("xor 4 pts, 2-16-16-1", 4, 2, (16, 16)),
    ("gallery 2-D, 400 pts, 2-16-16-1", 400, 2, (16, 16)),
    ("gallery 2-D, 2000 pts, 2-16-16-1", 2000, 2, (16, 16)),
    ("parity 3-D, 8 pts, 3-32-32-1", 8, 3, (32, 32)),
    ("10-D, 2000 pts, 10-64-64-1", 2000, 10, (64, 64)),
]


def data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, d))
    y = (np.sin(6 * X.sum(axis=1)) > 0).astype(float)
    return X, y


def numpy_epoch_seconds(X, y, hidden, act, epochs):
    r = train_one(X, y, activation=act, constraint="project", hidden=hidden, epochs=epochs, patience=10 ** 9,
                  tol=-1.0)
    assert r.epochs == epochs, r.epochs
    return r.seconds / epochs


def torch_epoch_seconds(X, y, hidden, act, epochs, threads=None):
    import torch

    default = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _torch_loop(X, y, hidden, act, epochs)
    finally:
        torch.set_num_threads(default)


def _torch_loop(X, y, hidden, act, epochs):
    import torch

    torch.manual_seed(0)
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)[:, None]
    sizes = (X.shape[1], *hidden, 1)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = torch.nn.Linear(a, b, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.abs_()
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append({"sigmoid": torch.nn.Sigmoid(), "relu": torch.nn.ReLU(), "tanh": torch.nn.Tanh(),
                           "softplus": torch.nn.Softplus()}[act])
    model = torch.nn.Sequential(*layers)
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    start = time.perf_counter()
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.mean((model(Xt) - yt) ** 2)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for w in weights:
                w.clamp_(min=0.0)
    return (time.perf_counter() - start) / epochs


def time_demo(quick: bool) -> float:
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "negproof.cli", "demo", "--out", out] + (["--quick"] if quick else [])
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        took = time.perf_counter() - start
        print(proc.stdout.strip())
        if proc.returncode:
            print(f"(exit code {proc.returncode}) {proc.stderr.strip()[-300:]}")
        return took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=500)
    ap.add_argument("--demo", action="store_true")
    args = ap.parse_args()
    import torch

    print(f"numpy {np.__version__}, torch {torch.__version__} (threads {torch.get_num_threads()}), "
          f"{os.cpu_count()} cores, {args.epochs} epochs per run, float64 both")
    print()
    print("| case | activation | numpy ms/epoch | torch ms/epoch (default threads) | torch ms/epoch (1 thread) "
          "| best torch / numpy |")
    print("|---|---|---|---|---|---|")
    for label, n, d, hidden in CASES:
        X, y = data(n, d)
        for act in ("sigmoid", "relu"):
            numpy_epoch_seconds(X, y, hidden, act, 20)  # warm up (sympy derivative compile, caches)
            torch_epoch_seconds(X, y, hidden, act, 20)
            t_np = min(numpy_epoch_seconds(X, y, hidden, act, args.epochs) for _ in range(2))
            t_th = min(torch_epoch_seconds(X, y, hidden, act, args.epochs) for _ in range(2))
            t_t1 = min(torch_epoch_seconds(X, y, hidden, act, args.epochs, threads=1) for _ in range(2))
            print(f"| {label} | {act} | {1e3 * t_np:.3f} | {1e3 * t_th:.3f} | {1e3 * t_t1:.3f} | "
                  f"{min(t_th, t_t1) / t_np:.2f}x |")
    if args.demo:
        print()
        for quick in (True, False):
            took = time_demo(quick)
            print(f"negproof demo{' --quick' if quick else ''}: {took:.1f} s wall")


if __name__ == "__main__":
    main()
