"""The structural checker: the path-sign rule, written once for every layer kind.

**Theorem** (Wang et al., ICCV 2023, Thm 1; THEORY.md sections 1 and 6).  Let f be a feed-forward network
whose activations are non-decreasing.  If every directed path from input i to output k has a
non-negative product of weight signs, then f_k is non-decreasing in x_i.  In particular, if every weight
is >= 0, f is order-preserving: x <= y implies f(x) <= f(y).

**Proof, as the certificate records it.**  Induction over the layers in topological order, with the
z3-proved lemmas of :mod:`checkers.lemmas`: an affine map with W >= 0 keeps the order of an ordered pair
(``nonneg_scale``, ``sum_ordered``, ``add_constant``); a non-decreasing activation keeps it
(``monotone_activation``); sums (residual adds) and concatenations keep it; composition keeps it
(``compose``).  With mixed signs one tracks, for each neuron, whether it is non-decreasing, non-increasing
or constant in x_i (the signed order): a non-positive weight flips the direction (``nonpos_scale``), a
constant stays constant (``congruence``, ``scale_equal``).

Two granularities:

- *layer level* (the theorem): every dense layer has all weights >= 0 and every activation is proved
  non-decreasing.  One scan of each weight array (``W.min() >= 0``), so 10^8 weights cost about one
  numpy pass.  When it fails, the message names the first layer that breaks the rule.
- convolutional layers (:mod:`theory.cnn`): a convolution with kernel >= 0 and average pooling are
  non-negative affine maps (``weight_signs`` re-scans the kernel / the pooling matrix); max pooling keeps
  the order by ``max_ordered``; evaluation-mode batch norm is the diagonal affine map with scale
  gamma / sqrt(var + eps), which keeps the order when every gamma >= 0 (``nonneg_scale``, ``add_constant``;
  replayed by re-scanning gamma and var + eps > 0).
- *neuron level* (the path-sign rule): boolean reachability of positive / negative / unsupported paths,
  propagated with vectorized matrix products (one row per input).

The checker proves or answers Unknown; it never refutes (a rule that cannot show monotonicity shows
nothing about its failure; the falsifier and SMT find counterexamples).
"""
from __future__ import annotations

import time

import networkx as nx
import numpy as np

from checkers.kernel import Certificate, Proved, Step, Unknown, Verdict, replayer
from checkers.lemmas import prove_lemma
from checkers.premises import hypothesis_step, nondecreasing_premise
from theory.claims import Claim
from theory.cnn import AvgPool2D, BatchNorm, Conv2D, MaxPool2D
from theory.network import Act, Add, Concat, Dense, Network, Node, Sign, SymbolicDense, to_fraction

METHOD = "structural"


# --- layer level ---------------------------------------------------------------------------------------

def _layer_nonneg(layer) -> bool:
    """True iff every weight of the layer is >= 0 (a single pass over the array)."""
    if isinstance(layer, Dense):
        w = layer.weight
        return w.size == 0 or bool(w.min() >= 0)
    if isinstance(layer, SymbolicDense):
        s = layer.signs()
        return bool(np.isin(s, (Sign.NONNEG, Sign.ZERO)).all())
    if isinstance(layer, Conv2D):
        return bool(layer.kernel.min() >= 0)
    if isinstance(layer, AvgPool2D):
        return bool(layer.as_dense().weight.min() >= 0)
    if isinstance(layer, BatchNorm):
        return bool(layer.gamma.min() >= 0)
    return True


_SIGNED_LAYERS = (Dense, SymbolicDense, Conv2D, AvgPool2D, MaxPool2D, BatchNorm)  # those with layer.signs()


def _dense_step(node: Node) -> Step:
    layer = node.layer
    lemmas = (prove_lemma("nonneg_scale"), prove_lemma("sum_ordered"), prove_lemma("add_constant"))
    what = {"conv2d": "a convolution with kernel >= 0", "avgpool2d": "average pooling (weights 1/k^2)"}.get(
        layer.kind, "z = W h + b with every W >= 0")
    statement = f"layer {node.name}: {what} preserves order"
    check = {"kind": "weight_signs", "node": node.name, "require": "nonneg"}
    if isinstance(layer, SymbolicDense):  # the signs are the claim's hypothesis: a premise, replayed as such
        lemmas = (hypothesis_step(f"layer {node.name} weights", ">= 0"), *lemmas)
    return Step("nonneg_affine", statement, check, lemmas)


def _node_step(node: Node, act_steps: dict) -> Step | None:
    layer = node.layer
    if isinstance(layer, (Dense, SymbolicDense, Conv2D, AvgPool2D)):
        return _dense_step(node) if _layer_nonneg(layer) else None
    if isinstance(layer, MaxPool2D):
        return Step("max_preserves_order", f"layer {node.name}: max pooling preserves the componentwise order",
                    {"kind": "layer_kind", "node": node.name, "layer": "maxpool2d"}, (prove_lemma("max_ordered"),))
    if isinstance(layer, BatchNorm):
        if not _layer_nonneg(layer):
            return None
        return Step("batchnorm_nonneg_scale", f"layer {node.name}: batch norm gamma (x - mean) / sqrt(var + eps) "
                    "+ beta with every gamma >= 0 scales by >= 0 and shifts, so it preserves order",
                    {"kind": "batchnorm_scale", "node": node.name, "require": "nonneg"},
                    (prove_lemma("nonneg_scale"), prove_lemma("add_constant")))
    if isinstance(layer, Act):
        proof = act_steps.get(layer.activation.spec)
        if proof is None:
            return None
        return Step("monotone_activation_layer",
                    f"layer {node.name}: {layer.activation.spec} elementwise preserves order",
                    {"kind": "activation_layer", "node": node.name, "activation": layer.activation.spec},
                    (proof, prove_lemma("monotone_activation")))
    if isinstance(layer, Add):
        return Step("sum_preserves_order", f"layer {node.name}: a sum of order-preserving maps preserves order",
                    {"kind": "layer_kind", "node": node.name, "layer": "add"}, (prove_lemma("sum_ordered"),))
    if isinstance(layer, Concat):
        return Step("concat_preserves_order",
                    f"layer {node.name}: concatenation preserves the componentwise order",
                    {"kind": "layer_kind", "node": node.name, "layer": "concat"})
    return None


def _why_breaks(node: Node) -> str:
    layer = node.layer
    if isinstance(layer, (Dense, SymbolicDense)):
        return f"layer {node.name} ({layer.kind}) has weights that may be negative"
    if isinstance(layer, Conv2D):
        return f"layer {node.name} (conv2d) has negative kernel entries"
    if isinstance(layer, BatchNorm):
        return f"layer {node.name} (batchnorm) has gamma < 0, a negative scale"
    if isinstance(layer, Act):
        return f"layer {node.name}: activation {layer.activation.spec} is not proved non-decreasing"
    return f"layer {node.name}: no rule for layer kind {layer.kind}"


def signed_graph(net: Network, act_steps: dict) -> nx.DiGraph:
    """The layer-level signed graph (networkx): each node carries ``effect`` = "preserves" when the layer
    is proved order-preserving by its own rule, else "unknown", and ``step``, the proof of that rule."""
    g = net.graph()
    for node in net.nodes:
        step = _node_step(node, act_steps)
        g.nodes[node.name].update(effect="preserves" if step is not None else "unknown", step=step)
    g.nodes["input"].update(effect="preserves", step=None)
    return g


def layer_level(claim: Claim, act_steps: dict) -> tuple[Step | None, str | None]:
    """The theorem's composition rule: (certificate root, None) or (None, the first layer that breaks it)."""
    net = claim.network
    g = signed_graph(net, act_steps)
    by_name = {n.name: n for n in net.nodes}
    position = {name: i for i, name in enumerate(["input", *by_name])}
    steps = []
    for name in nx.lexicographical_topological_sort(g, key=position.__getitem__):
        if name == "input":
            continue
        if g.nodes[name]["effect"] != "preserves":
            return None, _why_breaks(by_name[name])
        steps.append(g.nodes[name]["step"])
    root = Step("compose", "f is order-preserving: x <= y implies f_k(x) <= f_k(y) for every output k, hence "
                + claim.describe(), {"kind": "structure", "nodes": [n.name for n in claim.network.nodes]},
                (prove_lemma("compose"), *steps))
    return root, None


# --- neuron level: the path-sign rule --------------------------------------------------------------------

def path_signs(net: Network, inputs, monotone: dict[str, bool]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean (len(inputs), output_dim) matrices: exists a path from x_i to output k with positive sign
    product (pos), negative product (neg), or through an unknown sign or unproved activation (bad).

    ``monotone`` maps activation specs to whether they are proved (or assumed) non-decreasing.
    """
    m = len(inputs)
    start = np.zeros((m, net.input_dim), dtype=bool)
    start[np.arange(m), list(inputs)] = True
    vals = {"input": (start, np.zeros_like(start), np.zeros_like(start))}

    def bmm(a: np.ndarray, mask: np.ndarray) -> np.ndarray:  # boolean (m x n) @ (n x p)
        if not a.any() or not mask.any():
            return np.zeros((a.shape[0], mask.shape[1]), dtype=bool)
        return (a.astype(np.float32) @ mask.astype(np.float32)) > 0

    for node in net.nodes:
        args = [vals[s] for s in node.inputs]
        layer = node.layer
        if isinstance(layer, _SIGNED_LAYERS):
            pos, neg, bad = args[0]
            s = layer.signs().T  # (in, out)
            p, n, a, nz = s == Sign.NONNEG, s == Sign.NONPOS, s == Sign.ANY, s != Sign.ZERO
            vals[node.name] = (bmm(pos, p) | bmm(neg, n), bmm(pos, n) | bmm(neg, p),
                               bmm(bad, nz) | bmm(pos | neg, a))
        elif isinstance(layer, Act):
            pos, neg, bad = args[0]
            if monotone.get(layer.activation.spec, False):
                vals[node.name] = (pos, neg, bad)
            else:
                vals[node.name] = (np.zeros_like(pos), np.zeros_like(neg), pos | neg | bad)
        elif isinstance(layer, Add):
            vals[node.name] = tuple(np.logical_or.reduce([a[t] for a in args]) for t in range(3))
        elif isinstance(layer, Concat):
            vals[node.name] = tuple(np.concatenate([a[t] for a in args], axis=1) for t in range(3))
        else:
            pos, neg, bad = args[0]
            everything = pos | neg | bad
            vals[node.name] = (np.zeros_like(pos), np.zeros_like(pos),
                               np.ones((m, net.dims[node.name]), dtype=bool) & everything.any(axis=1, keepdims=True))
    return vals[net.output]


def neuron_level(claim: Claim, act_steps: dict) -> tuple[Step | None, list[str]]:
    net = claim.network
    monotone = {spec: step is not None for spec, step in act_steps.items()}
    pos, neg, bad = path_signs(net, claim.inputs, monotone)
    undetermined = []
    for r, i in enumerate(claim.inputs):
        for k in claim.outputs:
            if bad[r, k]:
                undetermined.append(f"(x{i}, f{k}): a path passes an unknown sign or an unproved activation")
            elif neg[r, k]:
                kind = "mixed-sign paths" if pos[r, k] else "only negative paths (non-increasing)"
                undetermined.append(f"(x{i}, f{k}): {kind}")
    if undetermined:
        return None, undetermined
    lemmas = tuple(prove_lemma(n) for n in ("nonneg_scale", "nonpos_scale", "scale_equal", "sum_ordered",
                                               "add_constant", "monotone_activation", "congruence", "compose"))
    used = tuple(Step("activation_used", f"{spec} is non-decreasing", {"kind": "activation_fact", "activation": spec},
                      (step,)) for spec, step in act_steps.items() if step is not None)
    root = Step("path_sign_rule", "every path from each selected input to each selected output has a "
                "non-negative weight-sign product and passes only non-decreasing activations, hence "
                + claim.describe(), {"kind": "path_signs", "inputs": list(claim.inputs), "outputs": list(claim.outputs)},
                lemmas + used)
    return root, []


def check(claim: Claim, timeout: float = 60.0) -> Verdict:
    """Prove ``claim`` by the composition rule (layer level, then neuron level) or answer Unknown."""
    start = time.perf_counter()
    act_steps = {}
    for act in claim.network.activations():
        if act.spec not in act_steps:
            act_steps[act.spec] = nondecreasing_premise(act)
    root, broken = layer_level(claim, act_steps)
    if root is None:
        root, undetermined = neuron_level(claim, act_steps)
        if root is None:
            shown = "; ".join(undetermined[:3]) + (f"; and {len(undetermined) - 3} more" if len(undetermined) > 3 else "")
            return Unknown(f"the layer rule breaks at {broken}; the path-sign rule leaves {shown}", METHOD,
                           time.perf_counter() - start)
    return Proved(Certificate(claim, root), METHOD, time.perf_counter() - start)


# --- replay of this checker's own step kinds -------------------------------------------------------------

def _node(ctx, name: str) -> Node | None:
    return next((n for n in ctx.claim.network.nodes if n.name == name), None)


@replayer("weight_signs")
def _replay_weight_signs(check: dict, ctx) -> str | None:
    """Re-scan the layer in the model: concrete weights all >= 0, or symbolic weights all assumed >= 0."""
    node = _node(ctx, check.get("node", ""))
    if node is None or not isinstance(node.layer, (Dense, SymbolicDense, Conv2D, AvgPool2D)):
        return f"no dense, conv2d or avgpool2d layer {check.get('node')!r} in the model"
    if check.get("require") != "nonneg":
        return f"unknown sign requirement {check.get('require')!r}"
    if isinstance(node.layer, SymbolicDense):
        bad = int(np.count_nonzero(~np.isin(node.layer.signs(), (Sign.NONNEG, Sign.ZERO))))
        return None if bad == 0 else f"layer {node.name} has {bad} symbolic weight(s) not assumed >= 0"
    layer = node.layer
    w = layer.kernel if isinstance(layer, Conv2D) else layer.as_dense().weight if isinstance(layer, AvgPool2D) \
        else layer.weight
    negatives = int(np.count_nonzero(np.asarray(w < 0, dtype=bool)))
    return None if negatives == 0 else f"layer {node.name} has {negatives} negative weight(s)"


@replayer("batchnorm_scale")
def _replay_batchnorm_scale(check: dict, ctx) -> str | None:
    """Re-scan gamma (every entry >= 0) and var + eps > 0 (exactly): the scale gamma / sqrt(var + eps) >= 0."""
    node = _node(ctx, check.get("node", ""))
    if node is None or not isinstance(node.layer, BatchNorm):
        return f"no batchnorm layer {check.get('node')!r} in the model"
    if check.get("require") != "nonneg":
        return f"unknown sign requirement {check.get('require')!r}"
    layer = node.layer
    negatives = int(np.count_nonzero(np.asarray(layer.gamma < 0, dtype=bool)))
    if negatives:
        return f"layer {node.name} has {negatives} negative gamma entr(y/ies)"
    eps = to_fraction(layer.eps)
    if any(to_fraction(v) + eps <= 0 for v in layer.var):
        return f"layer {node.name} has var + eps <= 0"
    return None


@replayer("activation_layer")
def _replay_activation_layer(check: dict, ctx) -> str | None:
    node = _node(ctx, check.get("node", ""))
    if node is None or not isinstance(node.layer, Act) or node.layer.activation.spec != check.get("activation"):
        return f"layer {check.get('node')!r} is not a {check.get('activation')} activation in the model"
    return None if nondecreasing_premise(node.layer.activation) is not None else \
        f"{check.get('activation')} is not proved non-decreasing"


@replayer("activation_fact")
def _replay_activation_fact(check: dict, ctx) -> str | None:
    acts = {a.spec: a for a in ctx.claim.network.activations()}
    act = acts.get(check.get("activation"))
    if act is None:
        return f"activation {check.get('activation')!r} does not occur in the model"
    return None if nondecreasing_premise(act) is not None else f"{act.spec} is not proved non-decreasing"


@replayer("layer_kind")
def _replay_layer_kind(check: dict, ctx) -> str | None:
    node = _node(ctx, check.get("node", ""))
    return None if node is not None and node.layer.kind == check.get("layer") else \
        f"layer {check.get('node')!r} is not a {check.get('layer')} layer"


_RULE_FOR_KIND = {"dense": "nonneg_affine", "symbolic_dense": "nonneg_affine", "activation": "monotone_activation_layer",
                  "add": "sum_preserves_order", "concat": "concat_preserves_order", "conv2d": "nonneg_affine",
                  "avgpool2d": "nonneg_affine", "maxpool2d": "max_preserves_order",
                  "batchnorm": "batchnorm_nonneg_scale"}


@replayer("structure")
def _replay_structure(check: dict, ctx) -> str | None:
    """The composition covers every layer of the model, in order, each by the rule for its kind."""
    nodes = ctx.claim.network.nodes
    if check.get("nodes") != [n.name for n in nodes]:
        return "the derivation does not list exactly the model's layers"
    steps = [p for p in ctx.current.premises if p.rule != "lemma"]
    lemma_names = [p.check.get("lemma") for p in ctx.current.premises if p.rule == "lemma"]
    if "compose" not in lemma_names:
        return "the composition lemma is missing"
    if len(steps) != len(nodes):
        return "the derivation has not one step per layer"
    for node, step in zip(nodes, steps):
        if step.rule != _RULE_FOR_KIND.get(node.layer.kind) or step.check.get("node") != node.name:
            return f"layer {node.name} ({node.layer.kind}) is justified by {step.rule!r}"
    return None


@replayer("path_signs")
def _replay_path_signs(check: dict, ctx) -> str | None:
    """Independent recount: numbers of positive and negative paths (float counts, > 0 means some path),
    with unproved activations and unknown signs counted as 'unsupported'."""
    net = ctx.claim.network
    if check.get("inputs") != list(ctx.claim.inputs) or check.get("outputs") != list(ctx.claim.outputs):
        return "the path-sign step does not cover the claim's inputs and outputs"
    ok_acts = {a.spec for a in net.activations() if nondecreasing_premise(a) is not None}
    for i in ctx.claim.inputs:
        counts = {"input": (np.eye(net.input_dim)[i], np.zeros(net.input_dim), np.zeros(net.input_dim))}
        for node in net.nodes:
            layer, args = node.layer, [counts[s] for s in node.inputs]
            if isinstance(layer, (Dense, SymbolicDense, Conv2D, AvgPool2D, MaxPool2D, BatchNorm)):
                p, n, u = args[0]
                s = layer.signs().astype(np.int64)
                wp, wn, wu = (s == 1) * 1.0, (s == -1) * 1.0, (s == 2) * 1.0
                counts[node.name] = (np.minimum(wp @ p + wn @ n, 1e300), np.minimum(wn @ p + wp @ n, 1e300),
                                     np.minimum((s != 0) @ u + wu @ (p + n), 1e300))
            elif isinstance(layer, Act):
                p, n, u = args[0]
                counts[node.name] = (p, n, u) if layer.activation.spec in ok_acts else (0 * p, 0 * n, p + n + u)
            elif isinstance(layer, Add):
                counts[node.name] = tuple(sum(a[t] for a in args) for t in range(3))
            elif isinstance(layer, Concat):
                counts[node.name] = tuple(np.concatenate([a[t] for a in args]) for t in range(3))
            else:
                return f"layer kind {layer.kind} has no path-sign rule"
        p, n, u = counts[net.output]
        for k in ctx.claim.outputs:
            if n[k] > 0 or u[k] > 0:
                return f"input {i}, output {k}: a negative or unsupported path exists"
    return None
