"""Evidence: pure functions from a parsed candidate to typed signals, per kind of
candidate (domain, account, page), over the prepared brand tables (monitor.detection.tables)."""
