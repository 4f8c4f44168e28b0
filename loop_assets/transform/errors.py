"""The one error type of the model loader, so callers can tell a broken model from a broken loader."""


class ModelError(Exception):
    """A model project problem, named by file (and line where known) so it can be fixed at the source."""
