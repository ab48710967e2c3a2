"""The symbolic checker: the Jacobian of the network with sympy, and a proof that each entry is >= 0.

**The rule (divided-difference chain rule).**  Let f be a feed-forward network of dense layers
z = W h + b, elementwise activations h = s(z), residual adds and concatenations.  Fix x <= y differing
only in coordinate i.  For every activation neuron n with pre-activations u(x), u(y) put

    delta_n = (s(u(y)) - s(u(x))) / (u(y) - u(x))   if u(y) != u(x),   else 0,

so that s(u(y)) - s(u(x)) = delta_n (u(y) - u(x)) holds exactly, for *any* function s, smooth or not.
Dense layers, adds and concatenations are linear in the differences, so by induction over the nodes in
topological order every value v of the network satisfies v(y) - v(x) = P_v(delta) (y_i - x_i), where
P_v is the polynomial obtained from the chain rule in factored form J = W_L D_{L-1} W_{L-1} ... D_1 W_1
(D_l diagonal) by writing a symbol d_n in place of the slope s'(z_n).  Hence, if the polynomial
J_{k,i}(d, w) is >= 0 for every admissible value of its symbols, then f_k(y) - f_k(x) >= 0: f_k is
non-decreasing in x_i on all of R^d (so on every box).  For differentiable s this is the familiar
df_k/dx_i = J_{k,i}(s'(z)) >= 0; the secant form needs no derivative, so it covers relu, step and
hardtanh as well (THEORY.md section 6 argues the same by signed order induction).

**Assumptions, and where they come from.**  A slope symbol d_n is declared ``nonnegative`` only when
the secant slopes of its activation are >= 0, i.e. when the activation is non-decreasing: either proved
by :func:`checkers.activation_facts.establish` (Property.NONDECREASING) or assumed by the claim
(``any-nondecreasing``).  Otherwise d_n is merely ``real`` (secant slopes of an arbitrary function are
arbitrary reals).  Weight symbols of a symbolic layer take the sign of the layer's sign code
(theory.network.Sign); concrete weights are exact sympy Rationals (every float64 is an exact binary
fraction).  sympy's assumption system then decides the sign of each entry (``is_nonnegative``; the sum
of products is expanded into monomials if the nested form is undecided).  True proves the pair; None
or False answers Unknown, never Refuted: a polynomial that *can* be negative is not a counterexample.

**Certificate.**  One ``sympy_jacobian`` step per (input, output) pair holds J_{k,i} (sympy srepr and
LaTeX) and the assumptions on its symbols; its replayer re-derives the assumptions from the model,
parses the stored expression without ``eval`` (a whitelist over Python's ``ast``), recomputes the
Jacobian independently (sympy differentiation of the forward expression with one undefined function
per neuron) and checks equality, then re-establishes non-negativity.
"""
from __future__ import annotations

import time

import numpy as np
import sympy as sp

from checkers.premises import nondecreasing_premise
from checkers.kernel import Certificate, Proved, Step, Unknown, Verdict
from theory.activations import Activation
from theory.claims import Claim, ClaimProperty
from theory.exact import to_fraction
from theory.network import INPUT, Act, Add, Concat, Dense, Network, Sign, SymbolicDense

METHOD = "symbolic"
MAX_NEURONS = 300  # above this many dense units the network is too large for sympy: Unknown
EXPAND_LIMIT = 2_000  # expand J_{k,i} into monomials only when it has at most this many paths
ASK_LIMIT = 500  # ask sympy's (slow) is_nonnegative on the nested form only below this many paths
EQUAL_EXPAND_LIMIT = 200  # replay compares polynomials by expansion below this many paths
LATEX_LIMIT = 20_000  # render LaTeX only for expressions whose srepr is at most this long
DIFF_LIMIT = 200  # the replay differentiates the forward expression when there are at most this many paths
SUPPORTED = (Dense, SymbolicDense, Act, Add, Concat)
_SIGN_WORD = {int(Sign.NONNEG): "nonnegative", int(Sign.NONPOS): "nonpositive", int(Sign.ZERO): "zero",
              int(Sign.ANY): "real"}


# --- symbols and their assumptions, derived from the model -----------------------------------------------

def _activation_nondecreasing(act: Activation, cache: dict) -> tuple[bool, Step | None]:
    """(True, step) when ``act`` is non-decreasing by a proof or by the claim's hypothesis."""
    if act.spec not in cache:
        step = nondecreasing_premise(act)
        cache[act.spec] = (step is not None, step)
    return cache[act.spec]


class Symbols:
    """The sympy objects of one network: weight matrices (Rationals or signed Symbols), one slope symbol
    per activation neuron, and the assumption word of every symbol.  Always derived from the model."""

    def __init__(self, net: Network):
        self.weights: dict[str, list[list[sp.Expr]]] = {}
        self.slopes: dict[str, list[sp.Symbol]] = {}
        self.assumptions: dict[str, str] = {}
        self.by_name: dict[str, sp.Symbol] = {}
        self.activation_steps: list[Step] = []
        self.unproved_activations: list[str] = []
        cache: dict = {}
        for node in net.nodes:
            layer = node.layer
            if isinstance(layer, Dense):
                self.weights[node.name] = [[sp.Rational(f.numerator, f.denominator) if f else sp.S.Zero
                                            for f in map(to_fraction, row)] for row in layer.weight]
            elif isinstance(layer, SymbolicDense):
                rows = []
                for j, row in enumerate(layer.signs()):
                    rows.append([self._weight_symbol(node.name, j, m, int(code)) for m, code in enumerate(row)])
                self.weights[node.name] = rows
            elif isinstance(layer, Act):
                ok, step = _activation_nondecreasing(layer.activation, cache)
                if ok and step is not None and step not in self.activation_steps:
                    self.activation_steps.append(step)
                if not ok and layer.activation.spec not in self.unproved_activations:
                    self.unproved_activations.append(layer.activation.spec)
                word = "nonnegative" if ok else "real"
                self.slopes[node.name] = [self._new(f"d_{node.name}_{j}", word) for j in range(net.dims[node.name])]

    def _new(self, name: str, word: str) -> sp.Symbol:
        sym = sp.Symbol(name, **({"real": True} if word == "real" else {word: True}))
        self.assumptions[name] = word
        self.by_name[name] = sym
        return sym

    def _weight_symbol(self, node: str, j: int, m: int, code: int) -> sp.Expr:
        if code == int(Sign.ZERO):
            return sp.S.Zero
        return self._new(f"w_{node}_{j}_{m}", _SIGN_WORD[code])


def _unsupported(net: Network) -> str | None:
    for node in net.nodes:
        if not isinstance(node.layer, SUPPORTED):
            return f"layer kind {node.layer.kind!r} ({node.name}) is not supported by the symbolic checker"
    return None


def n_neurons(net: Network) -> int:
    return sum(net.dims[n.name] for n in net.nodes if isinstance(n.layer, (Dense, SymbolicDense)))


def path_counts(net: Network, inputs) -> np.ndarray:
    """Number of weight paths (through non-zero weights) from each selected input to each output, as
    floats, shape (output_dim, len(inputs)): the number of monomials of the expanded Jacobian."""
    vals = {INPUT: np.eye(net.input_dim)[:, list(inputs)]}
    for node in net.nodes:
        layer, args = node.layer, [vals[s] for s in node.inputs]
        if isinstance(layer, Dense):
            vals[node.name] = (np.asarray(layer.weight != 0, dtype=float)) @ args[0]
        elif isinstance(layer, SymbolicDense):
            vals[node.name] = np.asarray(layer.signs() != int(Sign.ZERO), dtype=float) @ args[0]
        elif isinstance(layer, Add):
            vals[node.name] = sum(args[1:], args[0])
        elif isinstance(layer, Concat):
            vals[node.name] = np.vstack(args)
        else:
            vals[node.name] = args[0]
    return vals[net.output]


# --- the Jacobian in factored (nested) form ------------------------------------------------------------

def jacobian(net: Network, syms: Symbols, inputs, deadline: float = float("inf")):
    """J[node] for the output node: rows = outputs, columns = the selected inputs, each entry the nested
    chain-rule sum W_L D_{L-1} ... D_1 W_1 (forward accumulation, so shared sub-sums stay shared).
    Returns None when the deadline passes."""
    cols = list(inputs)
    vals = {INPUT: [[sp.S.One if m == i else sp.S.Zero for i in cols] for m in range(net.input_dim)]}
    for node in net.nodes:
        if time.perf_counter() > deadline:
            return None
        layer, args = node.layer, [vals[s] for s in node.inputs]
        if isinstance(layer, (Dense, SymbolicDense)):
            prev, out = args[0], []
            for row in syms.weights[node.name]:
                out.append([sp.Add(*[w * prev[m][c] for m, w in enumerate(row)
                                     if w != 0 and prev[m][c] != 0]) for c in range(len(cols))])
            vals[node.name] = out
        elif isinstance(layer, Act):
            vals[node.name] = [[d * e for e in row] for d, row in zip(syms.slopes[node.name], args[0])]
        elif isinstance(layer, Add):
            vals[node.name] = [[sp.Add(*es) for es in zip(*rows)] for rows in zip(*args)]
        elif isinstance(layer, Concat):
            vals[node.name] = [row for a in args for row in a]
    return vals[net.output]


def sign_of(expr: sp.Expr, memo: dict | None = None) -> int | None:
    """A linear-time sign calculus over sympy's assumptions, memoised on shared sub-sums: +1 means
    expr >= 0, -1 means expr <= 0, 0 means expr = 0, None undetermined.  Leaves are numbers and symbols
    (their sympy assumptions); a sum of terms of one sign has that sign; a product multiplies signs; an
    even integer power of a real is >= 0.  Sound, not complete."""
    memo = {} if memo is None else memo
    key = id(expr)
    if key in memo:
        return memo[key]
    if expr.is_Number:
        out = None if not expr.is_Rational else (0 if expr == 0 else (1 if expr > 0 else -1))
    elif expr.is_Symbol:
        out = 0 if expr.is_zero else 1 if expr.is_nonnegative else -1 if expr.is_nonpositive else None
    elif expr.is_Add:
        signs = {sign_of(a, memo) for a in expr.args}
        out = None if None in signs or signs >= {1, -1} else (1 if 1 in signs else -1 if -1 in signs else 0)
    elif expr.is_Mul:
        signs = [sign_of(a, memo) for a in expr.args]
        out = 0 if 0 in signs else None if None in signs else int(np.prod(signs))
    elif expr.is_Pow and expr.exp.is_Integer and expr.exp > 0 and expr.base.is_real:
        out = 1 if int(expr.exp) % 2 == 0 else sign_of(expr.base, memo)
    else:
        out = None
    memo[key] = out
    return out


def decide_nonnegative(expr: sp.Expr, n_paths: float) -> tuple[bool, bool]:
    """(proved, expanded).  The nested form first (the sign calculus, then sympy's own ``is_nonnegative``
    when the expression is small), then, if undecided and small, its expansion into monomials."""
    if sign_of(expr) in (0, 1):
        return True, False
    if n_paths > EXPAND_LIMIT:
        return False, False
    if n_paths <= ASK_LIMIT and expr.is_nonnegative is True:
        return True, False
    expanded = sp.expand(expr)
    return sign_of(expanded) in (0, 1) or expanded.is_nonnegative is True, True


def _pretty_names(syms: Symbols) -> dict:
    out = {}
    for name, sym in syms.by_name.items():
        kind, node, *idx = name.split("_")
        out[sym] = (f"w^{{({node})}}_{{{','.join(str(int(v) + 1) for v in idx)}}}" if kind == "w"
                    else f"d^{{({node})}}_{{{int(idx[0]) + 1}}}")
    return out


def _latex(expr: sp.Expr, syms: Symbols, text: str) -> str:
    if len(text) > LATEX_LIMIT:
        return f"(expression too large to render: {len(text)} characters of srepr)"
    return sp.latex(expr, symbol_names=_pretty_names(syms))


def check(claim: Claim, timeout: float = 60.0) -> Verdict:
    """Prove f_k non-decreasing in x_i for every (i, k) of ``claim`` by the sign of J_{k,i}; else Unknown."""
    start = time.perf_counter()
    deadline = start + timeout
    net = claim.network

    def unknown(reason: str) -> Unknown:
        return Unknown(reason, METHOD, time.perf_counter() - start)

    if claim.kind is not ClaimProperty.MONOTONE:
        return unknown(f"the symbolic checker decides monotonicity only, not {claim.kind.value}")
    bad = _unsupported(net)
    if bad:
        return unknown(bad)
    if n_neurons(net) > MAX_NEURONS:
        return unknown(f"network has {n_neurons(net)} dense units, more than the symbolic limit {MAX_NEURONS}")
    syms = Symbols(net)
    J = jacobian(net, syms, claim.inputs, deadline)
    if J is None:
        return unknown(f"timeout after {timeout:g} s while building the Jacobian")
    counts = path_counts(net, claim.inputs)
    steps, failed = [], []
    for c, i in enumerate(claim.inputs):
        for k in claim.outputs:
            if time.perf_counter() > deadline:
                return unknown(f"timeout after {timeout:g} s while deciding the sign of the Jacobian")
            expr = J[k][c]
            proved, expanded = decide_nonnegative(expr, counts[k, c])
            if not proved:
                failed.append((i, k))
                continue
            text = sp.srepr(expr, order="none")
            names = sorted(s.name for s in expr.free_symbols)
            steps.append(Step("jacobian_entry_nonnegative",
                              f"f_{k}(y) - f_{k}(x) = J_{{{k},{i}}}(delta) (y_{i} - x_{i}) with J_{{{k},{i}}} >= 0",
                              {"kind": "sympy_jacobian", "input": i, "output": k, "srepr": text,
                               "latex": _latex(expr, syms, text), "expanded": expanded,
                               "assumptions": {n: syms.assumptions[n] for n in names}}))
    if failed:
        why = "sympy cannot show J_{k,i} >= 0"
        if syms.unproved_activations:
            why += f" (activations not proved non-decreasing: {', '.join(syms.unproved_activations)})"
        shown = ", ".join(f"(x{i}, f{k})" for i, k in failed[:5]) + (" ..." if len(failed) > 5 else "")
        return unknown(f"{why} for {len(failed)} pair(s): {shown}")
    root = Step("divided_difference_chain_rule", claim.describe(),
                {"kind": "symbolic_cover", "pairs": [[i, k] for i, k in claim.pairs]},
                tuple(syms.activation_steps) + tuple(steps))
    return Proved(Certificate(claim, root), METHOD, time.perf_counter() - start)


def jacobian_latex(net: Network, output: int, input: int) -> str:
    """df_output/dx_input as LaTeX: the chain rule as a sum over paths, or factored (see symbolic_latex)."""
    from checkers.symbolic_latex import jacobian_latex as render

    return render(net, output, input)
