"""All SQL lives in this package, behind plain functions over a `Database`.

`db` opens the file and migrates it; `feeds`, `articles`, `signals` and `reviews` each hold
the queries of one part of the state. Nothing outside this package writes SQL, so a
PostgreSQL backend means a second implementation of these modules, not a hunt
through the code base.
"""

from tracker.storage.db import Database, open_database

__all__ = ["Database", "open_database"]
