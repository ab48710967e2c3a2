"""The SMT encodings of a monotonicity claim, as SMT-LIB2 text (pure: builds queries, never solves).

A query asks for a counterexample: two copies of the network, side ``a`` at x and side ``b`` at y, with
x_i <= y_i for the selected inputs i in I, x_j = y_j (one shared variable) for the others, and
f_k(x) > f_k(y) for some selected output k.  unsat proves the claim for those pairs: on a box or R^d,
"f_k non-decreasing in each x_i, i in I" is equivalent to "x <= y, equal off I, implies f_k(x) <= f_k(y)"
(move from x to y one coordinate at a time inside the box; THEORY.md section 1, theory/claims.py).  So
one query per claim (``split="all"``, the default: the goal is a disjunction over outputs), per output, or
per (input, output) pair decide the same claim; the default poses the fewest queries (one parse, one
search) and a sat model still names the violated output and, after an exact walk, the input.

Two encodings:

* ``abstract`` (Wang et al., ICCV 2023, Theorem 1, made compositional as in issue 2): symbolic weights and
  activations known only to be non-decreasing.  Each weight term w*h becomes two fresh reals p = w*h(x),
  q = w*h(y) constrained only by the instance of a z3-proved lemma (checkers/lemmas.py): for w >= 0,
  h(x) <= h(y) -> p <= q (and the mirror instance); for w <= 0 the reversed order; for a weight of unknown
  sign only h(x) = h(y) -> p = q.  Each activation layer is an uninterpreted function s_t, constrained by
  monotonicity on the pre-activation pairs that occur (z <= z' -> s(z) <= s(z')) when it is proved or
  assumed non-decreasing, and by nothing but congruence otherwise.  Every real network of the class is a
  model of these constraints, so unsat proves the claim for all of them at once, on R^d; sat proves nothing.
* ``exact``: concrete weights (exact rationals: Fraction(float) is exact) and piecewise-linear activations
  (translated from the catalogue's sympy Piecewise into if-then-else terms), over the box.  The query is
  the claim's negation itself, so it is complete: unsat proves, a model is a counterexample.  Exact
  interval bounds of every pre-activation over the box are added (valid consequences) and units whose
  interval lies inside one linear piece are encoded by that piece (the stable-neuron simplification of
  Reluplex/Marabou), which only removes case splits.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fractions import Fraction

from checkers.kernel import Step
from checkers.premises import nondecreasing_premise
from checkers.smt_terms import _ite, _scaled, _sum, image, num, piece_index, pieces_of
from theory.claims import DEFAULT_BOX, Box, Claim
from theory.network import INPUT, Act, Add, Concat, Dense, Network, Sign, SymbolicDense

QUANTUM = Fraction(1, 2 ** 8)  # weights of the surrogate query: multiples of 2^-8
MARGIN = Fraction(1, 2 ** 8)  # the surrogate asks for f_k(x) - f_k(y) > MARGIN
SPLITS = ("all", "output", "pair")


# --- monotonicity facts about activations -----------------------------------------------------------------

monotone_step = nondecreasing_premise  # why an activation may be assumed non-decreasing


# --- the encoding ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    """One SMT-LIB script: "x <= y on ``inputs`` (equal elsewhere) and f_k(x) > f_k(y) for some k in
    ``outputs``".  ``x_vars``/``y_vars`` name the input variables of the two copies."""

    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    smtlib: str
    x_vars: tuple[str, ...]
    y_vars: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.smtlib.encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class Encoding:
    """The queries of a claim plus what a certificate must record about how they were built."""

    claim: Claim
    mode: str  # "abstract" | "exact" | "unsupported"
    split: str
    queries: tuple[Query, ...]
    box: Box | None  # the domain of the exact encoding (None: R^d)
    lemmas: tuple[str, ...] = ()  # names in checkers.lemmas instantiated by the abstract encoding
    monotone: tuple[Step, ...] = ()  # why each activation assumed monotone is (one step per spec)
    notes: tuple[str, ...] = ()
    reason: str = ""  # why the claim is not encoded (mode "unsupported")
    hypotheses: tuple = field(default=())
    surrogates: tuple[Query, ...] = ()  # exact mode: the same queries with rounded weights (a heuristic)

    def to_smtlib(self) -> str:
        """All queries as one standard SMT-LIB2 script: each query starts from (reset)."""
        head = [f"; negproof SMT encoding ({self.mode}, split={self.split}): {self.claim.describe()}"]
        head += [f"; note: {n}" for n in self.notes]
        if self.mode == "unsupported":
            return "\n".join(head + [f"; not encoded: {self.reason}", ""])
        body = []
        for t, q in enumerate(self.queries):
            if t:
                body.append("(reset)")
            body.append(f"; query {t}: inputs {list(q.inputs)}, outputs {list(q.outputs)}; unsat proves them")
            body.append(q.smtlib.rstrip("\n"))
        return "\n".join(head + body) + "\n"


def _groups(claim: Claim, split: str) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    if split == "all":
        return [(tuple(claim.inputs), tuple(claim.outputs))]
    if split == "output":
        return [(tuple(claim.inputs), (k,)) for k in claim.outputs]
    return [((i,), (k,)) for k, i in [(k, i) for k in claim.outputs for i in claim.inputs]]


def encode(claim: Claim, split: str = "all", mode: str | None = None) -> Encoding:
    """Build the SMT queries of ``claim`` (see the module docstring); no solver is called.

    ``mode`` None picks the exact encoding when it applies (concrete weights, piecewise-linear
    activations) and the monotone abstraction otherwise; "signs" abstracts every dense layer to its sign
    pattern, as if its weights were symbolic (cheap; it proves the claim for every network with those
    weight signs and activations, so it can prove but never refute)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    if mode not in (None, "signs"):
        raise ValueError("mode must be None or 'signs'")
    net = claim.network
    for node in net.nodes:
        if not isinstance(node.layer, (Dense, SymbolicDense, Act, Add, Concat)):
            return Encoding(claim, "unsupported", split, (), None,
                            reason=f"layer kind {node.layer.kind!r} has no SMT encoding")
    if not claim.inputs or not claim.outputs:
        return Encoding(claim, "unsupported", split, (), None, reason="the claim selects no (input, output) pair")
    acts = net.activations()
    exact = mode is None and net.is_concrete and all(pieces_of(a) is not None for a in acts)
    notes = []
    monotone = {}
    for a in acts if not exact else ():
        if a.spec not in monotone:
            monotone[a.spec] = monotone_step(a)
    if exact:
        box = claim.box
        if box is None:
            box = DEFAULT_BOX
            notes.append("no box given: the exact encoding decides the claim on the default box [0,1]^d")
        builder = _Builder(net, "exact", box, monotone)
    else:
        if net.is_concrete and mode is None:
            bad = sorted({a.spec for a in acts if pieces_of(a) is None})
            notes.append(f"exact SMT needs piecewise-linear activations ({', '.join(bad)} is not): the "
                         "monotone abstraction is used, which can prove but never refute")
        box = None
        builder = _Builder(net, "abstract", None, monotone, signs_only=mode == "signs")
    groups = _groups(claim, split)
    queries = tuple(builder.query(ins, outs) for ins, outs in groups)
    steps = tuple(s for s in monotone.values() if s is not None)
    surrogates = ()
    if exact and _needs_surrogate(net):
        rounded = _Builder(net, "exact", box, monotone, QUANTUM)
        surrogates = tuple(rounded.query(ins, outs, MARGIN) for ins, outs in groups)
    lemmas = () if exact else tuple(sorted(builder.lemmas))
    return Encoding(claim, "signs" if mode == "signs" else builder.mode, split, queries, box, lemmas, steps,
                    tuple(notes), hypotheses=claim.hypotheses(), surrogates=surrogates)


def _needs_surrogate(net: Network) -> bool:
    """True when some weight or bias is not a multiple of QUANTUM: long binary fractions (every float64
    weight) make z3's exact simplex slow, and a rounded twin finds most violations fast."""
    for node in net.nodes:
        if isinstance(node.layer, Dense):
            for arr in (node.layer.weight, node.layer.bias):
                for v in arr.ravel():
                    q = v if isinstance(v, Fraction) else Fraction(float(v))
                    if (q / QUANTUM).denominator != 1:
                        return True
    return False


class _Builder:
    """Writes the declarations and assertions of the two copies, node by node."""

    def __init__(self, net: Network, mode: str, box: Box | None, monotone: dict, quantum: Fraction | None = None,
                 signs_only: bool = False):
        self.net, self.mode, self.box, self.monotone, self.quantum = net, mode, box, monotone, quantum
        self.signs_only = signs_only  # concrete dense layers encoded by their sign pattern only
        self.lemmas: set[str] = set()
        self.index = {n.name: t for t, n in enumerate(net.nodes)}
        self.bounds = _bounds(net, box, self.weight) if mode == "exact" else None
        # difference variables d = value(y) - value(x), only for the abstraction: there the lemma instances
        # are sign conditions on single variables, which z3 propagates well (8-128-128-128-4 2x faster);
        # on the exact encoding they slowed z3's search for violations down, so it states f_k(x) > f_k(y)
        self.diffs = mode == "abstract"

    def weight(self, v) -> Fraction:
        """A weight or bias as an exact rational; rounded to a multiple of ``quantum`` in a surrogate."""
        q = v if isinstance(v, Fraction) else Fraction(float(v))
        return q if self.quantum is None else round(q / self.quantum) * self.quantum

    def query(self, inputs: tuple[int, ...], outputs: tuple[int, ...], margin: Fraction = Fraction(0)) -> Query:
        net, free = self.net, set(inputs)
        self.free = free
        decls, asserts, ufs = [], [], []

        def declare(name):
            decls.append(f"(declare-fun {name} () Real)")

        for j in range(net.input_dim):
            for v in dict.fromkeys((self.var("a", INPUT, j), self.var("b", INPUT, j))):
                declare(v)
        for j in sorted(free):
            if self.diffs:
                declare(f"din_{j}")
                asserts.append(f"(assert (= din_{j} (- {self.var('b', INPUT, j)} {self.var('a', INPUT, j)})))")
                asserts.append(f"(assert (>= din_{j} 0.0))")
            else:
                asserts.append(f"(assert (<= {self.var('a', INPUT, j)} {self.var('b', INPUT, j)}))")
        if self.box is not None:
            lo, hi = num(self.box.lo), num(self.box.hi)
            for j in range(net.input_dim):
                for v in sorted({self.var("a", INPUT, j), self.var("b", INPUT, j)}):
                    asserts.append(f"(assert (<= {lo} {v}))")
                    asserts.append(f"(assert (<= {v} {hi}))")
        for t, node in enumerate(net.nodes):
            for j in range(net.dims[node.name]):
                declare(f"a{t}_{j}")
                declare(f"b{t}_{j}")
                if not self.diffs:
                    continue
                declare(f"d{t}_{j}")
                if isinstance(node.layer, (Act, Concat)):
                    asserts.append(f"(assert (= d{t}_{j} (- b{t}_{j} a{t}_{j})))")
            self._node(t, node, decls, asserts, ufs)
        out = self.index[net.output]
        if self.diffs:  # d = f(y) - f(x)
            goal = [f"(< d{out}_{k} {num(-margin)})" for k in outputs]
        else:
            goal = [f"(> a{out}_{k} b{out}_{k})" if margin == 0 else f"(> (- a{out}_{k} b{out}_{k}) {num(margin)})"
                    for k in outputs]
        asserts.append(f"(assert {goal[0] if len(goal) == 1 else '(or ' + ' '.join(goal) + ')'})")
        logic = "QF_UFLRA" if ufs else "QF_LRA"
        text = "\n".join([f"(set-logic {logic})", *ufs, *decls, *asserts, "(check-sat)", ""])
        return Query(tuple(inputs), tuple(outputs), text,
                     tuple(self.var("a", INPUT, j) for j in range(net.input_dim)),
                     tuple(self.var("b", INPUT, j) for j in range(net.input_dim)))

    def var(self, side: str, src: str, j: int) -> str:
        if src == INPUT:
            return f"{side}in_{j}" if j in self.free else f"in_{j}"
        return f"{side}{self.index[src]}_{j}"

    def _node(self, t, node, decls, asserts, ufs):
        layer, net = node.layer, self.net
        if isinstance(layer, Dense) and not self.signs_only:
            self.lemmas.update(("sum_ordered", "add_constant"))
            w = layer.weight
            for j in range(w.shape[0]):
                b = self.weight(layer.bias[j])
                row = [(i, self.weight(wi)) for i, wi in enumerate(w[j]) if wi != 0]
                for side in "ab":
                    terms = [_scaled(q, self.var(side, node.inputs[0], i)) for i, q in row if q != 0]
                    if b != 0 or not terms:
                        terms.append(num(b))
                    asserts.append(f"(assert (= {side}{t}_{j} {_sum(terms)}))")
                if not self.diffs:
                    continue
                # the same affine map on differences (the bias cancels): a row the solver can propagate on
                dterms = [_scaled(q, self.diff(node.inputs[0], i)) for i, q in row
                          if q != 0 and self.var("a", node.inputs[0], i) != self.var("b", node.inputs[0], i)]
                asserts.append(f"(assert (= d{t}_{j} {_sum(dterms)}))")
        elif isinstance(layer, (SymbolicDense, Dense)):
            self._symbolic(t, node, decls, asserts)
        elif isinstance(layer, Act):
            self._activation(t, node, asserts, ufs)
        elif isinstance(layer, Add):
            self.lemmas.add("sum_ordered")
            for j in range(net.dims[node.name]):
                for side in "ab":
                    terms = [self.var(side, s, j) for s in node.inputs]
                    asserts.append(f"(assert (= {side}{t}_{j} {_sum(terms)}))")
                dterms = [self.diff(s, j) for s in node.inputs if self.var("a", s, j) != self.var("b", s, j)]
                if self.diffs:
                    asserts.append(f"(assert (= d{t}_{j} {_sum(dterms)}))")
        elif isinstance(layer, Concat):
            j = 0
            for s in node.inputs:
                for r in range(net.dims[s]):
                    for side in "ab":
                        asserts.append(f"(assert (= {side}{t}_{j} {self.var(side, s, r)}))")
                    j += 1

    def _symbolic(self, t, node, decls, asserts):
        signs = node.layer.signs()
        src = node.inputs[0]
        self.lemmas.update(("sum_ordered", "add_constant"))
        for j in range(signs.shape[0]):
            bias = f"c{t}_{j}"
            decls.append(f"(declare-fun {bias} () Real)")
            ta, tb, dp_terms = [], [], []
            for i, code in enumerate(signs[j]):
                if code == Sign.ZERO:
                    continue
                ha, hb = self.var("a", src, i), self.var("b", src, i)
                if ha == hb:  # the same value in both copies: the same product (scale_equal)
                    p = f"p{t}_{j}_{i}"
                    decls.append(f"(declare-fun {p} () Real)")
                    ta.append(p)
                    tb.append(p)
                    self.lemmas.add("scale_equal")
                    continue
                pa, pb, dp, dh = f"pa{t}_{j}_{i}", f"pb{t}_{j}_{i}", f"dp{t}_{j}_{i}", self.diff(src, i)
                decls += [f"(declare-fun {pa} () Real)", f"(declare-fun {pb} () Real)", f"(declare-fun {dp} () Real)"]
                asserts.append(f"(assert (= {dp} (- {pb} {pa})))")
                ta.append(pa)
                tb.append(pb)
                dp_terms.append(dp)
                if code == Sign.NONNEG:  # nonneg_scale at (h(x), h(y)) and at (h(y), h(x))
                    self.lemmas.add("nonneg_scale")
                    asserts.append(f"(assert (=> (>= {dh} 0.0) (>= {dp} 0.0)))")
                    asserts.append(f"(assert (=> (<= {dh} 0.0) (<= {dp} 0.0)))")
                elif code == Sign.NONPOS:
                    self.lemmas.add("nonpos_scale")
                    asserts.append(f"(assert (=> (>= {dh} 0.0) (<= {dp} 0.0)))")
                    asserts.append(f"(assert (=> (<= {dh} 0.0) (>= {dp} 0.0)))")
                else:
                    self.lemmas.add("scale_equal")
                    asserts.append(f"(assert (=> (= {dh} 0.0) (= {dp} 0.0)))")
            asserts.append(f"(assert (= a{t}_{j} {_sum(ta + [bias])}))")
            asserts.append(f"(assert (= b{t}_{j} {_sum(tb + [bias])}))")
            asserts.append(f"(assert (= d{t}_{j} {_sum(dp_terms)}))")

    def _activation(self, t, node, asserts, ufs):
        act, src = node.layer.activation, node.inputs[0]
        n = self.net.dims[node.name]
        monotone = self.monotone.get(act.spec) is not None
        if monotone:
            self.lemmas.add("monotone_activation")
        if self.mode == "exact":
            pieces = pieces_of(act)
            for j in range(n):
                lo, hi = self.bounds[src][j]
                za, zb = self.var("a", src, j), self.var("b", src, j)
                if src != INPUT:  # valid bounds over the box: they only prune the search
                    for z in (za, zb):
                        asserts.append(f"(assert (<= {num(lo)} {z}))")
                        asserts.append(f"(assert (<= {z} {num(hi)}))")
                m = piece_index(pieces, lo)
                stable = m == piece_index(pieces, hi)  # pieces' regions are intervals: one piece on [lo, hi]
                for side, z in (("a", za), ("b", zb)):
                    rhs = pieces[m].term(z) if stable else _ite(pieces, z)
                    asserts.append(f"(assert (= {side}{t}_{j} {rhs}))")
            return
        s = f"s{t}"
        ufs.append(f"(declare-fun {s} (Real) Real)")
        self.lemmas.add("congruence")
        for j in range(n):
            za, zb = self.var("a", src, j), self.var("b", src, j)
            asserts.append(f"(assert (= a{t}_{j} ({s} {za})))")
            asserts.append(f"(assert (= b{t}_{j} ({s} {zb})))")
            if monotone:
                self._monotone_facts(t, j, src, asserts)

    def _monotone_facts(self, t, j, src, asserts):
        """z(x) <= z(y) -> s(z(x)) <= s(z(y)) and the mirror instance, stated on the differences
        d = value(y) - value(x) (sign atoms on one variable are what the solver propagates best)."""
        dz = self.diff(src, j)
        asserts.append(f"(assert (=> (>= {dz} 0.0) (>= d{t}_{j} 0.0)))")
        asserts.append(f"(assert (=> (<= {dz} 0.0) (<= d{t}_{j} 0.0)))")

    def diff(self, src: str, j: int) -> str:
        """The variable holding value(y) - value(x) of unit j of ``src`` (shared inputs have none)."""
        if src == INPUT:
            if j not in self.free:
                raise AssertionError("shared inputs have no difference variable")
            return f"din_{j}"
        return f"d{self.index[src]}_{j}"


def _bounds(net: Network, box: Box, weight=Fraction) -> dict[str, list[tuple[Fraction, Fraction]]]:
    """Exact interval bounds of every unit over the box (rational interval arithmetic: sound, no rounding)."""
    out = {INPUT: [(box.lo, box.hi)] * net.input_dim}
    for node in net.nodes:
        layer, args = node.layer, [out[s] for s in node.inputs]
        if isinstance(layer, Dense):
            w = layer.weight
            rows = []
            for j in range(w.shape[0]):
                lo = hi = weight(layer.bias[j])
                for i, wi in enumerate(w[j]):
                    q = weight(wi)
                    if q == 0:
                        continue
                    l, h = args[0][i]
                    lo, hi = (lo + q * l, hi + q * h) if q > 0 else (lo + q * h, hi + q * l)
                rows.append((lo, hi))
            out[node.name] = rows
        elif isinstance(layer, Act):
            pieces = pieces_of(layer.activation)
            out[node.name] = [image(pieces, lo, hi) for lo, hi in args[0]]
        elif isinstance(layer, Add):
            out[node.name] = [(sum(c[0] for c in col), sum(c[1] for c in col)) for col in zip(*args)]
        elif isinstance(layer, Concat):
            out[node.name] = [b for a in args for b in a]
    return out
