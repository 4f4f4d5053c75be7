"""Reusable pieces: inert text, status badges, sparkline cells, the explanation panel."""
