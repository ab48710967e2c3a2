"""Time establishing every property of every catalogue activation (checkers.activation_facts), in a fresh
process: import time, cold time per activation, the whole catalogue, a second (cached) pass, and the
replay of every proof.  Usage: python3 benchmarks/bench_activations.py [--repeat N]
Each repeat runs in its own subprocess so that no in-process cache is warm.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, time
t0 = time.perf_counter()
from checkers.activation_facts import establish, replay_certificate
from checkers.kernel import Proved
from theory.activations import Property, catalogue
t1 = time.perf_counter()
per, verdicts = {}, {"proved": 0, "refuted": 0, "unknown": 0}
proofs = []
for act in catalogue():
    s = time.perf_counter()
    for prop in Property:
        v = establish(act, prop)
        verdicts[v.verdict] += 1
        if isinstance(v, Proved):
            proofs.append(v.certificate)
    per[act.spec] = time.perf_counter() - s
t2 = time.perf_counter()
for act in catalogue():
    for prop in Property:
        establish(act, prop)
t3 = time.perf_counter()
from checkers.activation_pieces import clear_caches
clear_caches()  # replay recomputes everything, as in a fresh process
failures = sum(len(replay_certificate(c)) for c in proofs)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "catalogue": t2 - t1, "cached": t3 - t2, "replay": t4 - t3,
                  "per": per, "verdicts": verdicts, "replay_failures": failures, "proofs": len(proofs)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                                      check=True).stdout) for _ in range(args.repeat)]
    med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    print(f"runs: {args.repeat} fresh processes; medians in seconds")
    print(f"| stage | seconds |\n|---|---|")
    for key in ("import", "catalogue", "cached", "replay"):  # replay: all 51 proofs, memo caches cleared
        print(f"| {key} | {med(key):.3f} |")
    print(f"\nverdicts: {runs[0]['verdicts']}; proofs replayed: {runs[0]['proofs']}, "
          f"replay failures: {runs[0]['replay_failures']}\n")
    print("| activation | cold seconds (6 properties) |\n|---|---|")
    for spec in runs[0]["per"]:
        print(f"| {spec} | {statistics.median(r['per'][spec] for r in runs):.3f} |")


if __name__ == "__main__":
    main()
