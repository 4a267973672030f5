"""Takedown requests: the abuse-channel directory, abuse contacts (RDAP, WHOIS, DNS, with a
database cache), evidence capture, drafting the request, and the daily follow-up.
May import monitor.detection, monitor.fetch, monitor.notify, monitor.store, monitor.campaigns
(the pure markup reader, the campaign records) and the config modules."""
