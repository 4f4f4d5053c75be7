"""The Textual dashboard (`tracker ui`, `make run`). Only this package imports Textual.

`build_app` in `app.py` makes the app for the CLI and the tests alike.
"""
