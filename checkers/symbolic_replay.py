"""Replay of symbolic certificates: re-derive the assumptions from the model, parse the stored Jacobian
without eval, recompute it independently (sympy differentiation of the forward expression) and re-decide
its sign.  See :mod:`checkers.symbolic` for the mathematics."""
from __future__ import annotations

import ast
import hashlib
import random
from fractions import Fraction

import sympy as sp

from checkers.kernel import replayer
from theory.network import INPUT, Act, Add, Concat, Dense, Network, SymbolicDense

from checkers.symbolic import (DIFF_LIMIT, EQUAL_EXPAND_LIMIT, Symbols, _unsupported, decide_nonnegative,
                               jacobian, path_counts)


# --- replay ---------------------------------------------------------------------------------------------

_ALLOWED = {"Add": sp.Add, "Mul": sp.Mul, "Pow": sp.Pow}
_NUMBERS = {"Integer", "Rational", "Half", "One", "Zero", "NegativeOne"}


def parse_srepr(text: str, syms: Symbols) -> sp.Expr:
    """Rebuild a stored srepr without eval: only Add, Mul, Pow, Integer/Rational and Symbol calls are
    accepted, and each Symbol is looked up by name in ``syms`` (assumptions come from the model, never
    from the stored text).  Raises ValueError on anything else."""
    tree = ast.parse(text, mode="eval").body

    def build(node):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            raise ValueError("srepr contains something other than a call")
        fn = node.func.id
        if fn == "Symbol":
            if not node.args or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
                raise ValueError("malformed Symbol")
            name = node.args[0].value
            if name not in syms.by_name:
                raise ValueError(f"symbol {name!r} is not a symbol of this model")
            return syms.by_name[name]
        if fn in _NUMBERS:
            ints = []
            for a in node.args:
                v = a.operand.value * -1 if isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub) else getattr(a, "value", None)
                if not isinstance(v, int) or isinstance(v, bool):
                    raise ValueError("malformed number")
                ints.append(v)
            return {"Integer": lambda: sp.Integer(ints[0]), "Rational": lambda: sp.Rational(ints[0], ints[1]),
                    "Half": lambda: sp.S.Half, "One": lambda: sp.S.One, "Zero": lambda: sp.S.Zero,
                    "NegativeOne": lambda: sp.S.NegativeOne}[fn]()
        if fn in _ALLOWED:
            return _ALLOWED[fn](*[build(a) for a in node.args])
        raise ValueError(f"srepr calls {fn!r}, which is not allowed")

    return build(tree)


def jacobian_by_differentiation(net: Network, syms: Symbols, output: int, input: int) -> sp.Expr:
    """J_{output,input} computed independently of :func:`jacobian`: sympy differentiates the forward
    expression, in which every neuron applies its own undefined function s_n; each s_n' is then replaced
    by the slope symbol d_n."""
    x = [sp.Symbol(f"x_{m}", real=True) for m in range(net.input_dim)]
    funcs = {}
    vals = {INPUT: x}
    for node in net.nodes:
        layer, args = node.layer, [vals[s] for s in node.inputs]
        if isinstance(layer, (Dense, SymbolicDense)):
            bias = (lambda j: sp.Symbol(f"b_{node.name}_{j}", real=True))
            vals[node.name] = [sp.Add(*[w * h for w, h in zip(row, args[0])], bias(j))
                               for j, row in enumerate(syms.weights[node.name])]
        elif isinstance(layer, Act):
            out = []
            for j, z in enumerate(args[0]):
                f = sp.Function(f"s_{node.name}_{j}")
                funcs[f.__name__] = syms.slopes[node.name][j]
                out.append(f(z))
            vals[node.name] = out
        elif isinstance(layer, Add):
            vals[node.name] = [sp.Add(*es) for es in zip(*args)]
        elif isinstance(layer, Concat):
            vals[node.name] = [v for a in args for v in a]
    deriv = sp.diff(vals[net.output][output], x[input])

    def slope(e):
        inner = e.expr if isinstance(e, sp.Subs) else e
        return funcs[inner.expr.func.__name__]

    deriv = deriv.replace(lambda e: isinstance(e, sp.Subs), slope)
    deriv = deriv.replace(lambda e: isinstance(e, sp.Derivative), slope)
    if deriv.free_symbols & set(x):
        raise ValueError("the derivative still depends on x: the network is not piecewise affine in its slopes")
    return deriv


def _exact_value(expr: sp.Expr, env: dict) -> Fraction:
    memo: dict = {}

    def ev(e):
        key = id(e)
        if key in memo:
            return memo[key]
        if e.is_Symbol:
            v = env[e]
        elif e.is_Rational:
            v = Fraction(int(e.p), int(e.q))
        elif e.is_Add:
            v = sum((ev(a) for a in e.args), Fraction(0))
        elif e.is_Mul:
            v = Fraction(1)
            for a in e.args:
                v *= ev(a)
        elif e.is_Pow and e.exp.is_Integer:
            v = ev(e.base) ** int(e.exp)
        else:
            raise ValueError(f"cannot evaluate {type(e).__name__}")
        memo[key] = v
        return v

    return ev(expr)


def equal_polynomials(a: sp.Expr, b: sp.Expr, n_paths: float, seed_text: str) -> bool:
    """a == b as polynomials: by expansion when small; else by exact evaluation at 4 random rational
    points with 64-bit numerators (Schwartz-Zippel: a non-zero difference of degree <= L vanishes at one
    such point with probability <= L / 2^64)."""
    if n_paths <= EQUAL_EXPAND_LIMIT:
        return sp.expand(a - b) == 0
    rng = random.Random(hashlib.sha256(seed_text.encode()).hexdigest())
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    for _ in range(4):
        env = {s: Fraction(rng.getrandbits(64) - 2 ** 63, rng.getrandbits(16) + 1) for s in symbols}
        if _exact_value(a, env) != _exact_value(b, env):
            return False
    return True


@replayer("symbolic_cover")
def _replay_cover(check: dict, ctx) -> str | None:
    """The pair steps together cover every (input, output) pair of the claim."""
    pairs = {tuple(p) for p in check.get("pairs", [])}
    missing = [p for p in ctx.claim.pairs if p not in pairs]
    return None if not missing else f"symbolic certificate does not cover the pairs {missing[:5]}"


@replayer("sympy_jacobian")
def _replay_jacobian(check: dict, ctx) -> str | None:
    net = ctx.claim.network
    try:
        i, k, text = int(check["input"]), int(check["output"]), str(check["srepr"])
    except (KeyError, TypeError, ValueError):
        return "sympy_jacobian step lacks input, output or srepr"
    if not (0 <= i < net.input_dim and 0 <= k < net.output_dim):
        return f"sympy_jacobian step names pair ({i}, {k}) outside the network"
    bad = _unsupported(net)
    if bad:
        return bad
    if "symbolic_syms" not in ctx.cache:
        ctx.cache["symbolic_syms"] = Symbols(net)
    syms = ctx.cache["symbolic_syms"]
    try:
        stored = parse_srepr(text, syms)
    except (ValueError, SyntaxError, IndexError, TypeError, AttributeError) as err:
        return f"J_{{{k},{i}}}: stored expression does not parse: {err}"
    for name, word in (check.get("assumptions") or {}).items():
        if syms.assumptions.get(name) != word:
            return (f"J_{{{k},{i}}}: stored assumption {name}: {word} differs from the model's "
                    f"({syms.assumptions.get(name, 'no such symbol')})")
    n_paths = path_counts(net, [i])[k, 0]
    if n_paths <= DIFF_LIMIT:
        fresh = jacobian_by_differentiation(net, syms, k, i)
    else:  # too many paths to differentiate the unrolled expression: recompute the factored form
        fresh = jacobian(net, syms, [i])[k][0]
    if not equal_polynomials(stored, fresh, n_paths, text):
        return f"J_{{{k},{i}}}: stored expression differs from the Jacobian recomputed from the model"
    proved, _ = decide_nonnegative(stored, n_paths)
    return None if proved else f"J_{{{k},{i}}} >= 0 does not follow from the model's assumptions"
