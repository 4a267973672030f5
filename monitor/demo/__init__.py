"""The offline demo: a local demo web (a SearXNG-compatible search API and its pages) and a
script that runs the real DAG against it (`make demo`)."""
