"""The one exception type for bad input: the CLI prints its message on one line and exits 2."""


class BadInput(ValueError):
    """Input the toolkit refuses: a missing file, a malformed model, NaN weights, an unknown name..."""
