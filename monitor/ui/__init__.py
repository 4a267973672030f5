"""The Airflow UI plugin: the Findings pages (list, detail, brand overview, source health),
a small JSON API, and the owners' signed one-click action links and their confirmation pages.
`plugin` is the only module that imports Airflow at import time; `auth` imports it inside its
methods. `links`, `security`, `charts` and the shaping in `views` are pure. May import
monitor.store, monitor.detection (pure helpers), monitor.collectors.sources, monitor.settings
and monitor.clock."""
