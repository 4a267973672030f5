"""The Airflow UI plugin: the Findings pages (list, detail, brand overview, source health),
a small JSON API, and the owners' signed one-click action links and their confirmation pages.
`app` assembles the routers of `routes/` (one per page group) around an `AppContext` on the
app's state; the routes take the context, the caller and the request's database session as
FastAPI dependencies (`deps`). `plugin` is the only module that imports Airflow at import time;
`auth` imports it inside its methods. `links`, `security`, `charts`, `api_json` and the shaping
in `views` are pure. May import monitor.store, monitor.campaigns, monitor.detection and
monitor.notify.thumbnail (pure helpers), monitor.collectors.sources, monitor.settings and
monitor.clock."""
