"""flowauto: a workflow automation server."""

__version__ = "0.1.0"
