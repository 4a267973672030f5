"""Detection: normalising names and hosts, the scorer and its rules, the finding identity,
and page enrichment. Pure except `enrich` (which fetches). May import monitor.registry,
monitor.settings, monitor.clock, and (enrich only) monitor.fetch and monitor.store."""
