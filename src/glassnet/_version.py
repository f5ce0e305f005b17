"""The version of glassnet, readable without importing the package (model files record it)."""

__version__ = "0.1.0"
