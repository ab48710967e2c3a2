"""negproof: prove and refute what networks with non-negative weights can represent.

The small public API (everything else lives in theory/, checkers/ and counterexamples/):

>>> from negproof import load_model, monotone_claim, prove
>>> prove(monotone_claim(load_model("2-4-1:any-nondecreasing:nonneg")), "structural").verdict
'proved'
"""
from checkers.cascade import prove
from checkers.kernel import Proved, Refuted, Unknown, verdict_to_json
from checkers.replay import replay
from theory import Box, catalogue, get_activation, load_model, monotone_claim

__all__ = ["prove", "Proved", "Refuted", "Unknown", "verdict_to_json", "replay", "Box", "catalogue",
           "get_activation", "load_model", "monotone_claim"]
