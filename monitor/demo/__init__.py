"""The offline demo: a local web that answers like every source (and RDAP), a DNS and a WHOIS
server, and `python -m monitor.demo` (one full run of the real DAGs, or --serve for `make run`).
May import anything of monitor: it sits beside the command line, on top."""
