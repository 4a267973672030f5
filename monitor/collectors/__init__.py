"""Sources of candidates: one module per source, one table of sources (`sources.SOURCES`).
Each collector splits I/O (``fetch``) from parsing (``parse``, pure, tested on saved
payloads in tests/fixtures/<source>/); `base.collect_brand` runs one for one brand.
May import monitor.detection, monitor.fetch and the config modules."""
