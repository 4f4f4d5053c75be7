"""What the workspace's files say: the records an analyst writes and versions.

Owns reading and validating YAML with the line of every key (`yamlio`, `validate`),
statements and commitments (`statements`), the feed list and OPML (`feedlist`),
`tracker.yaml` settings (`config`), durations ("365 days"), where a workspace keeps its
records and state (`workspace`) and the one-watcher-per-workspace lock file (`lock`).
Nothing here touches the database or the network: records are plain files, so they can
be checked, diffed and reviewed like code.
"""
