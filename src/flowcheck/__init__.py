"""FlowCheck: git hygiene and security safety layer for AI coding agents."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flowcheck")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
