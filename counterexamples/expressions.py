"""Target expressions: safe parsing into sympy, and exact or rigorous evaluation at rational points.

Parsing never evaluates the text: Python's own parser (``ast.parse``) turns it into a syntax tree, and
only whitelisted nodes are translated into sympy objects — numbers (decimal literals kept exact, ``0.1``
is 1/10), the variables ``x0 .. x{d-1}``, ``+ - * / **`` (``^`` also means power, with the precedence of ``**``: ``x0^2+x1`` is x0**2 + x1), comparisons (an
indicator: ``x1 > x0`` is 1 where it holds, 0 elsewhere), ``and``/``or`` of comparisons, and the functions
in :data:`FUNCTIONS`.  Anything else is :class:`BadInput` with a one-line reason.

Evaluation at a rational point is exact when the value is rational (sympy with Rationals), otherwise an
outward-rounded mpmath interval that encloses it (:func:`enclose`).

>>> expr, d = parse_expression("x0*(1-x1)")
>>> d, exact_value(expr, [Fraction(1, 2), Fraction(1, 4)])
(2, Fraction(3, 8))
"""
from __future__ import annotations

import ast
import difflib
import re
from fractions import Fraction
from typing import Sequence

import mpmath
import sympy as sp

from theory.errors import BadInput
from theory.exact import PREC, endpoints, to_interval

iv = mpmath.iv
MAX_LENGTH = 2000
MAX_EXPONENT = 64


def sym(i: int) -> sp.Symbol:
    return sp.Symbol(f"x{i}", real=True)


def symbols(d: int) -> list[sp.Symbol]:
    return [sym(i) for i in range(d)]


def _indicator(cond) -> sp.Expr:
    return sp.Piecewise((sp.Integer(1), cond), (sp.Integer(0), True))


def _is_bool(v) -> bool:
    """A condition (comparison, and/or/not, true/false) rather than a number; sympy symbols are not."""
    return isinstance(v, (sp.core.relational.Relational, sp.logic.boolalg.BooleanFunction,
                          sp.logic.boolalg.BooleanAtom)) and not v.is_Symbol


FUNCTIONS = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "tanh": sp.tanh, "abs": sp.Abs, "min": sp.Min, "max": sp.Max,
    "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
    "relu": lambda z: sp.Max(z, 0),
    "step": lambda z: _indicator(z >= 0),
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
_VAR = re.compile(r"^x(0|[1-9][0-9]*)$")
_BIN = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.Div: lambda a, b: a / b, ast.Pow: None, ast.BitXor: None}
_CMP = {ast.Lt: sp.StrictLessThan, ast.LtE: sp.LessThan, ast.Gt: sp.StrictGreaterThan,
        ast.GtE: sp.GreaterThan}


class _Translate:
    def __init__(self, text: str):
        self.text = text
        self.max_index = -1

    def fail(self, why: str):
        raise BadInput(f"expression {self.text!r}: {why}")

    def expr(self, node) -> sp.Expr:
        out = self.node(node)
        return _indicator(out) if _is_bool(out) else out

    def node(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(f"constant {node.value!r} is not a number")
            literal = ast.get_source_segment(self.text, node) or repr(node.value)
            try:
                q = Fraction(literal.replace("_", ""))
            except (ValueError, ZeroDivisionError):
                q = Fraction(node.value)
            return sp.Rational(q.numerator, q.denominator)
        if isinstance(node, ast.Name):
            m = _VAR.match(node.id)
            if m:
                self.max_index = max(self.max_index, int(m.group(1)))
                return sym(int(m.group(1)))
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            known = [*CONSTANTS, *FUNCTIONS, "x0", "x1"]
            near = difflib.get_close_matches(node.id, known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            self.fail(f"unknown name {node.id!r}{hint}; variables are x0, x1, ...")
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.expr(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand)
            if isinstance(node.op, ast.Not):
                inner = self.node(node.operand)
                if not _is_bool(inner):
                    self.fail("'not' applies to a comparison")
                return sp.Not(inner)
            self.fail(f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op not in _BIN:
                self.fail(f"operator {type(node.op).__name__} is not allowed")
            a, b = self.expr(node.left), self.expr(node.right)
            if op in (ast.Pow, ast.BitXor):
                if b.is_number and abs(float(b)) > MAX_EXPONENT:
                    self.fail(f"exponent {b} is too large (at most {MAX_EXPONENT})")
                return a ** b
            return _BIN[op](a, b)
        if isinstance(node, ast.Compare):
            parts, left = [], self.expr(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                if type(op) not in _CMP:
                    self.fail(f"comparison {type(op).__name__} is not allowed (use <, <=, >, >=)")
                right = self.expr(right_node)
                parts.append(_CMP[type(op)](left, right))
                left = right
            return sp.And(*parts)
        if isinstance(node, ast.BoolOp):
            vals = [self.node(v) for v in node.values]
            if not all(_is_bool(v) for v in vals):
                self.fail("'and'/'or' combine comparisons")
            return sp.And(*vals) if isinstance(node.op, ast.And) else sp.Or(*vals)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.keywords:
                self.fail("only plain calls like exp(x0) are allowed")
            name = node.func.id
            if name not in FUNCTIONS:
                near = difflib.get_close_matches(name, list(FUNCTIONS), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                self.fail(f"unknown function {name!r}{hint}; known: {', '.join(sorted(FUNCTIONS))}")
            args = [self.expr(a) for a in node.args]
            if name in ("min", "max"):
                if len(args) < 2:
                    self.fail(f"{name} takes at least two arguments")
            elif len(args) != 1:
                self.fail(f"{name} takes one argument, got {len(args)}")
            return FUNCTIONS[name](*args)
        self.fail(f"{type(node).__name__} is not allowed in an expression")


def parse_expression(text: str, dim: int | None = None) -> tuple[sp.Expr, int]:
    """Parse ``text`` into a sympy expression in x0..x{d-1}; returns (expr, d).

    With ``dim`` given (e.g. from a dataset), a variable x_i with i >= dim is an error; otherwise d is
    one more than the largest index used (at least 1)."""
    if not isinstance(text, str) or not text.strip():
        raise BadInput("empty expression")
    if len(text) > MAX_LENGTH:
        raise BadInput(f"expression is longer than {MAX_LENGTH} characters")
    try:
        # "^" is power, read with the precedence of "**" (Python would read x0^2+x1 as x0 XOR (2+x1))
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as err:
        raise BadInput(f"expression {text!r} does not parse ({err.msg})") from None
    tr = _Translate(text.strip())
    try:
        expr = sp.sympify(tr.expr(tree.body))
    except BadInput:
        raise
    except (TypeError, ValueError, RecursionError) as err:
        raise BadInput(f"expression {text!r} is not a real function ({type(err).__name__})") from None
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        raise BadInput(f"expression {text!r} is not finite and real (division by zero?)")
    d = max(1, tr.max_index + 1)
    if dim is not None:
        if tr.max_index >= dim:
            raise BadInput(f"expression {text!r} uses x{tr.max_index} but the inputs have dimension {dim} "
                           f"(x0..x{dim - 1})")
        d = dim
    return expr, d


# --- evaluation at a rational point --------------------------------------------------------------------

class NotCertifiable(Exception):
    """The enclosure cannot decide a branch (a point on a discontinuity) or meets an unsupported node."""


def exact_value(expr: sp.Expr, point: Sequence[Fraction]):
    """The value at ``point``: a Fraction when rational, else an mpmath interval enclosing it."""
    subs = {sym(i): sp.Rational(q.numerator, q.denominator) for i, q in enumerate(map(Fraction, point))}
    val = expr.xreplace(subs)
    if val.is_Rational:
        return Fraction(int(val.p), int(val.q))
    return enclose(expr, point)


def enclose(expr: sp.Expr, point: Sequence[Fraction]):
    """A rigorous interval enclosure of expr at ``point`` (outward rounding, 256-bit endpoints)."""
    old = iv.prec
    iv.prec = PREC
    try:
        env = {sym(i): to_interval(Fraction(q)) for i, q in enumerate(point)}
        return _iv(expr, env)
    finally:
        iv.prec = old


def _iv(e, env):
    if e.is_Rational:
        return to_interval(Fraction(int(e.p), int(e.q)))
    if e.is_Symbol:
        if e not in env:
            raise NotCertifiable(f"no value for {e}")
        return env[e]
    if e == sp.pi:
        return iv.pi
    if e == sp.E:
        return iv.e
    if isinstance(e, sp.Add):
        acc = iv.mpf(0)
        for a in e.args:
            acc += _iv(a, env)
        return acc
    if isinstance(e, sp.Mul):
        acc = iv.mpf(1)
        for a in e.args:
            acc *= _iv(a, env)
        return acc
    if isinstance(e, sp.Pow):
        base, ex = e.args
        b = _iv(base, env)
        if ex.is_Integer:
            n = int(ex)
            out = b ** abs(n) if n else iv.mpf(1)
            return 1 / out if n < 0 else out
        if ex == sp.Rational(1, 2):
            return iv.sqrt(b)
        return iv.exp(_iv(ex, env) * iv.log(b))
    if isinstance(e, sp.exp):
        return iv.exp(_iv(e.args[0], env))
    if isinstance(e, sp.log):
        return iv.log(_iv(e.args[0], env))
    if isinstance(e, (sp.sin, sp.cos, sp.tan)):
        return getattr(iv, type(e).__name__)(_iv(e.args[0], env))
    if isinstance(e, sp.tanh):
        return 1 - 2 / (iv.exp(2 * _iv(e.args[0], env)) + 1)
    if isinstance(e, sp.Abs):
        v = _iv(e.args[0], env)
        lo, hi = endpoints(v)
        if lo >= 0:
            return v
        if hi <= 0:
            return -v
        return iv.mpf([0, to_interval(max(-lo, hi)).b])
    if isinstance(e, (sp.Min, sp.Max)):
        ends = [endpoints(_iv(a, env)) for a in e.args]
        pick = min if isinstance(e, sp.Min) else max
        lo, hi = pick(a for a, _ in ends), pick(b for _, b in ends)
        return iv.mpf([to_interval(lo).a, to_interval(hi).b])
    if isinstance(e, sp.Piecewise):
        for value, cond in e.args:
            truth = _truth(cond, env)
            if truth is True:
                return _iv(value, env)
            if truth is None:
                raise NotCertifiable("the point lies on a branch boundary that intervals cannot decide")
        raise NotCertifiable("no branch of the piecewise definition applies")
    raise NotCertifiable(f"cannot enclose {type(e).__name__}")


def _truth(c, env):
    """Three-valued truth of a condition on intervals: True, False or None (undecided)."""
    if c is sp.true or c == True:  # noqa: E712 - sympy's true
        return True
    if c is sp.false or c == False:  # noqa: E712
        return False
    if isinstance(c, (sp.And, sp.Or)):
        vals = [_truth(a, env) for a in c.args]
        if isinstance(c, sp.And):
            return False if False in vals else (None if None in vals else True)
        return True if True in vals else (None if None in vals else False)
    if isinstance(c, sp.Not):
        v = _truth(c.args[0], env)
        return None if v is None else not v
    if isinstance(c, sp.core.relational.Relational):
        lo, hi = endpoints(_iv(c.lhs - c.rhs, env))
        op = c.rel_op
        if op in (">", ">="):
            lo, hi = -hi, -lo  # a > b  <=>  b - a < 0
            op = "<" if op == ">" else "<="
        if op == "<":
            return True if hi < 0 else (False if lo >= 0 else None)
        if op == "<=":
            return True if hi <= 0 else (False if lo > 0 else None)
    raise NotCertifiable(f"cannot decide condition {c}")
