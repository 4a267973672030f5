"""Certificate Transparency read from the logs themselves (issue 23).

Small modules, one job each; pure parsing apart from I/O:
- leaves: RFC 6962 Merkle tree leaves, get-entries extra data and static-CT tile leaves -> LeafEntry (pure)
- names: a certificate's DNS names, cleaned for the scorer (pure)
- signatures: STH and checkpoint (signed note) signatures checked with the log list's key (pure)
- tiles: static-CT tile paths and widths (pure)
- loglist: the v3 log list -> the logs to read (pure), and its daily cached download (I/O)
- reader: one reader per API over the fetcher, bounded batches, the server's own batch limit (I/O)
- cursors: one position per log in the monitor database
- run: read a log from its cursor, filter, score, store, move the cursor (the DAG's and CLI's step)
"""
