"""The one error type of the export package (its message is a complete one-line reason)."""


class ExportError(RuntimeError):
    """An export that cannot be done or whose result fails a check; `str(err)` is one line."""
