"""Emails to brand owners: digests, the takedown drafts and follow-up emails (from the
templates/ files), the outbox (queue, claim, retry, dead-letter) and the mail transports.
A run's digests are queued per brand in three steps, given one DigestOptions (options.py):
claim (claim.py: lock and read the rows), compose (compose.py: pure) and enqueue (outbox.py).
May import monitor.registry, monitor.detection (pure helpers), monitor.clock and monitor.store;
never monitor.takedown."""
