"""Fetching: the one hardened HTTP client (address policy, deadlines, caps, redirects),
per-host politeness, robots.txt and DNS. May import monitor.detection.domains (host
helpers), monitor.settings, monitor.clock and monitor.store (shared politeness state)."""
