"""LaTeX of the chain rule: df_k/dx_i as a sum over paths (small networks) or in factored form."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from theory.exact import to_fraction
from theory.network import INPUT, Act, Dense, Network, Sign, SymbolicDense

from checkers.symbolic import Symbols, _latex, jacobian, path_counts


# --- LaTeX of the chain rule ----------------------------------------------------------------------------

def _chain_layers(net: Network):
    """The nodes of a plain chain (each reads the previous) of dense and activation layers, or None."""
    prev = INPUT
    for node in net.nodes:
        if node.inputs != (prev,) or not isinstance(node.layer, (Dense, SymbolicDense, Act)):
            return None
        prev = node.name
    return list(net.nodes)


def _num_latex(v) -> str:
    f = to_fraction(v)
    text = repr(float(v)) if not isinstance(v, Fraction) else sp.latex(sp.Rational(f.numerator, f.denominator))
    return f"\\left({text}\\right)" if f < 0 else text


def jacobian_latex(net: Network, output: int, input: int) -> str:
    """The chain rule for df_output/dx_input as LaTeX: the sum over paths for small chains (e.g. for 2-2-1,
    ``\\sum_{j_1} w^{(2)}_{1 j_1} s_1'(z^{(1)}_{j_1}) w^{(1)}_{j_1 1}`` and then its terms), the factored
    matrix product W_L D_{L-1} ... D_1 W_1 for larger or non-chain networks.  Indices are 1-based."""
    k, i = output + 1, input + 1
    lhs = f"\\frac{{\\partial f_{{{k}}}}}{{\\partial x_{{{i}}}}}"
    nodes = _chain_layers(net)
    if nodes is None:  # a graph with adds or concatenations: the entry itself, from the factored product
        syms = Symbols(net)
        expr = jacobian(net, syms, [input])[output][0]
        return f"{lhs} = {_latex(expr, syms, sp.srepr(expr, order='none'))}"
    dense_nodes = [n for n in nodes if not isinstance(n.layer, Act)]
    level = {}  # node name -> layer number (dense layers counted from 1; an activation takes its dense's number)
    count = 0
    for n in nodes:
        if not isinstance(n.layer, Act):
            count += 1
        level[n.name] = count
    idx = {}  # node name -> index variable of its units
    for n in nodes[:-1]:
        idx[n.name] = f"j_{{{level[n.name]}}}"
    # general formula, written from the output back to the input
    factors, index_vars = [], []
    for pos in range(len(nodes) - 1, -1, -1):
        n = nodes[pos]
        row = f"{k}" if pos == len(nodes) - 1 else idx[n.name]
        col = f"{i}" if pos == 0 else idx[nodes[pos - 1].name]
        if isinstance(n.layer, Act):
            factors.append(f"{_act_name(n.layer)}'(z^{{({level[n.name]})}}_{{{row}}})")
        else:
            factors.append(f"w^{{({level[n.name]})}}_{{{row} {col}}}")
            if pos > 0 and idx[nodes[pos - 1].name] not in index_vars:
                index_vars.append(idx[nodes[pos - 1].name])
    general = (f"\\sum_{{{', '.join(sorted(set(index_vars)))}}} " if index_vars else "") + " ".join(factors)
    n_paths = path_counts(net, [input])[output, 0]
    if n_paths > 16 or len(dense_nodes) > 4:
        chain = " ".join(f"D^{{({level[n.name]})}}" if isinstance(n.layer, Act) else f"W^{{({level[n.name]})}}"
                         for n in reversed(nodes))
        return (f"{lhs} = \\left[{chain}\\right]_{{{k} {i}}} = {general}, \\quad "
                f"D^{{(l)}} = \\operatorname{{diag}}(s_l'(z^{{(l)}}))")
    return f"{lhs} = {general} = {_explicit_paths(net, nodes, level, output, input) or '0'}"


def _act_name(layer: Act) -> str:
    spec = layer.activation.spec
    if spec == "any-nondecreasing":
        return "s"
    name = spec.split("(")[0].replace("_", "\\_")
    return "\\operatorname{" + name + "}"


def _explicit_paths(net, nodes, level, output, input) -> str:
    """Each path's product, for small chains: paths are tuples of unit indices, one per layer."""
    paths = [([input], [])]  # (unit indices so far, factors)
    for n in nodes:
        layer, new = n.layer, []
        for units, factors in paths:
            j_prev = units[-1]
            if isinstance(layer, Act):
                new.append((units + [j_prev],
                            factors + [f"{_act_name(layer)}'(z^{{({level[n.name]})}}_{{{j_prev + 1}}})"]))
                continue
            rows = range(layer.weight.shape[0] if isinstance(layer, Dense) else layer.signs().shape[0])
            if n is nodes[-1]:
                rows = [output]
            for j in rows:
                if isinstance(layer, Dense):
                    w = layer.weight[j, j_prev]
                    if w == 0:
                        continue
                    text = _num_latex(w)
                else:
                    if layer.signs()[j, j_prev] == int(Sign.ZERO):
                        continue
                    text = f"w^{{({level[n.name]})}}_{{{j + 1} {j_prev + 1}}}"
                new.append((units + [j], factors + [text]))
        paths = new
    return " + ".join(" ".join(reversed(f)) for _, f in paths)


