"""Commitment tracker: follow what governments promised and whether anything happened since."""

__version__ = "0.1.0"
