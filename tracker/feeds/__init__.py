"""Getting articles in: from a feed URL or an archive file to stored, normalised articles.

Owns HTTP (`fetching`: conditional GET, bounded time and size, redirects by hand), feed
parsing in a process pool (`parsing`), feed dates (`dates`), the pure polling decisions
(`polling`: due, back-off), the poll and ingest pipeline that stores each poll in one
transaction (`pipeline`) and backfill from feed files and JSON/CSV archives
(`backfill`). Plain text and canonical URLs are `tracker.textnorm`, one layer down,
because records and storage need them too. Matching is handed in as a callback, so this
package never depends on rules.
"""
