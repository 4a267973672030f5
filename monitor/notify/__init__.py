"""Emails to brand owners: digests, the takedown drafts and follow-up emails (from the
templates/ files), the outbox (queue, claim, retry, dead-letter) and the mail transports.
May import monitor.registry, monitor.detection (pure helpers), monitor.clock and monitor.store;
never monitor.takedown."""
