"""Issue #20 items 1 and 2: the screenshot browser is sealed and capped.

A hostile page tries STUN/TURN, WebSocket, fetch(), <img>, CSS @import, a service worker, a
shared and a dedicated worker, WebTransport and a beacon toward loopback listeners on other
ports (TCP and UDP): nothing arrives; the route refused what it saw, the sinkhole inside the
box trapped the rest, and the browser's own background services send nothing. A page that
holds more memory than the cap stops the browser: the capture fails with the reason (a clear
gap in the draft), and the next capture in the same process works. Where no network
namespace can be made, no browser is started at all.

Real Chromium, real listeners on 127.0.0.1; the launcher's namespace is also checked without
a browser, as root and as an unprivileged user (a user namespace then)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from monitor.fetch.http import Fetcher
from monitor.takedown.browserbox import LAUNCHER, Limits, descendants, over_limits, parse_pss, wrapper_script
from monitor.takedown.evidence import plain_problem
from monitor.takedown.screenshot import capture, find_browser
from monitor.takedown.sealed_launch import merged_arguments
from tests.takedown.test_screenshot import _settings, needs_browser

GUARD_SECONDS = 4.0  # how long the hostile page is kept alive for its attempts to arrive (or not)


class Listeners:
    """A TCP and a UDP listener on 127.0.0.1 (ports nobody allowed): what reaches either is a
    leak. `arrived` is set at the first arrival."""

    def __init__(self):
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.tcp_port, self.udp_port = self.tcp.getsockname()[1], self.udp.getsockname()[1]
        self.received: list[tuple[str, bytes]] = []
        self.arrived = threading.Event()
        for target in (self._tcp, self._udp):
            threading.Thread(target=target, daemon=True).start()

    def _tcp(self):
        while True:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            self.received.append(("tcp", b""))
            self.arrived.set()
            conn.close()

    def _udp(self):
        while True:
            try:
                data, _ = self.udp.recvfrom(65536)
            except OSError:
                return
            self.received.append(("udp", data[:32]))
            self.arrived.set()

    def close(self):
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def listeners():
    found = Listeners()
    yield found
    found.close()


def _hostile_page(httpserver, listeners: Listeners) -> str:
    tcp, udp = listeners.tcp_port, listeners.udp_port
    rtc = f"""
      const servers = [{{urls: "stun:127.0.0.1:{udp}"}},
        {{urls: "turn:127.0.0.1:{udp}?transport=udp", username: "u", credential: "c"}},
        {{urls: "turn:127.0.0.1:{tcp}?transport=tcp", username: "u", credential: "c"}}];
      function peer(RTC) {{
        try {{ const pc = new RTC({{iceServers: servers}}); pc.createDataChannel("x");
               pc.createOffer().then(o => pc.setLocalDescription(o)); return pc; }} catch (e) {{ return String(e); }}
      }}"""
    worker = f"""
      fetch("http://127.0.0.1:{tcp}/from-worker").catch(() => {{}});
      try {{ new WebSocket("ws://127.0.0.1:{tcp}/worker-ws"); }} catch (e) {{}}
      try {{ new WebTransport("https://127.0.0.1:{udp}/wt").ready.catch(() => {{}}); }} catch (e) {{}}
      {rtc}
      if (typeof RTCPeerConnection !== "undefined") peer(RTCPeerConnection);
      onconnect = () => {{}};"""
    script = f"""
      {rtc}
      const kinds = {{main: typeof RTCPeerConnection, webkit: typeof webkitRTCPeerConnection,
                      transport: typeof WebTransport}};
      if (typeof RTCPeerConnection !== "undefined") window.kept = peer(RTCPeerConnection);
      // a frame made by the page itself, before any navigation: its own copy of WebRTC, if any
      const frame = document.createElement("iframe");
      document.head.appendChild(frame);
      kinds.frame = typeof frame.contentWindow.RTCPeerConnection;
      if (kinds.frame === "function") window.kept2 = peer(frame.contentWindow.RTCPeerConnection);
      try {{ new WebSocket("ws://127.0.0.1:{tcp}/ws"); }} catch (e) {{}}
      try {{ new WebTransport("https://127.0.0.1:{udp}/wt").ready.catch(() => {{}}); }} catch (e) {{}}
      fetch("http://127.0.0.1:{tcp}/fetch", {{mode: "no-cors"}}).catch(() => {{}});
      try {{ navigator.sendBeacon("http://127.0.0.1:{tcp}/beacon", "x"); }} catch (e) {{}}
      try {{ navigator.serviceWorker.register("/sw.js").catch(() => {{}}); }} catch (e) {{}}
      try {{ new SharedWorker("/shared.js"); }} catch (e) {{}}
      try {{ new Worker("/worker.js"); }} catch (e) {{}}
      fetch("/report?" + new URLSearchParams(kinds)).catch(() => {{}});"""
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>hostile</title>
      <style>@import url("http://127.0.0.1:{tcp}/import.css"); body {{ background: #fe8 }}</style>
      <script>{script}</script></head>
      <body><h1>Lao Airlines</h1><img src="http://127.0.0.1:{tcp}/pixel.png"><img src="/gate.png"></body></html>"""

    def gate(request):
        # Keeps the page loading while its attempts run: answers at the first arrival (a
        # leak: the old browser's STUN came in milliseconds), else after the guard.
        listeners.arrived.wait(GUARD_SECONDS)
        from werkzeug import Response

        return Response(b"\x89PNG\r\n\x1a\n", content_type="image/png")

    httpserver.expect_request("/robots.txt").respond_with_data("")
    httpserver.expect_request("/page").respond_with_data(page, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/gate.png").respond_with_handler(gate)
    httpserver.expect_request("/report").respond_with_data("")
    for path in ("/shared.js", "/worker.js", "/sw.js"):
        httpserver.expect_request(path).respond_with_data(worker, content_type="text/javascript")
    return httpserver.url_for("/page")


def _headless_shell() -> bool:
    """Whether this machine has the headless shell (the browser capture picks when it can)."""
    return shutil.which("chromium-headless-shell") is not None


# ---------------------------------------------------------------- pure parts

def test_the_launcher_merges_features_and_owns_the_proxy():
    args = ["--headless", "--disable-features=A,B", "--proxy-server=http://10.0.0.1:3128",
            "--proxy-bypass-list=*", "--disable-features=B,C", "--no-sandbox"]
    assert merged_arguments(args, 4321) == ["--headless", "--no-sandbox", "--disable-features=A,B,C",
                                            "--proxy-server=http://127.0.0.1:4321", "--proxy-bypass-list=<-loopback>"]


def test_watchdog_decisions():
    limits = Limits(memory_bytes=500 * 2**20, processes=8, deadline=100.0)
    assert over_limits(100 * 2**20, 5, 50.0, limits) is None
    assert "more than 500 MB of memory (MONITOR_SCREENSHOT_MAX_MEMORY_MB)" in over_limits(501 * 2**20, 5, 50, limits)
    assert "more than 8 browser processes" in over_limits(1, 9, 50, limits)
    assert "time limit" in over_limits(1, 1, 101, limits)
    assert parse_pss("Rss: 10 kB\nPss:      2048 kB\nPss_Anon: 1 kB\n") == 2048 * 1024
    assert parse_pss("nothing") is None
    assert descendants(10, {10: 1, 11: 10, 12: 11, 13: 1, 14: 12}) == {10, 11, 12, 14}


def test_the_wrapper_quotes_its_paths(tmp_path):
    script = wrapper_script("/venv/bin/python", LAUNCHER, tmp_path / "it's here" / "control", "/usr/bin/chromium")
    assert script.startswith("#!/bin/sh\nexec /venv/bin/python -I -S ") and script.endswith(' "$@"\n')
    assert "'" + str(tmp_path / "it'\"'\"'s here" / "control") + "'" in script


def test_the_draft_says_why_in_plain_words():
    assert "more memory" in plain_problem("the page used more than 1024 MB of memory "
                                          "(MONITOR_SCREENSHOT_MAX_MEMORY_MB); the browser was stopped", None)
    assert "cannot be isolated" in plain_problem("the browser could not be given a network of its own "
                                                 "(No space left on device)", None)


# ---------------------------------------------------------------- the namespace, without a browser

PROBE = textwrap.dedent("""
    import json, os, socket, sys
    out = {"interfaces": sorted(n for _, n in socket.if_nameindex()), "uid": os.getuid(), "args": sys.argv[1:]}
    tcp_port, udp_port = int(os.environ["PROBE_TCP"]), int(os.environ["PROBE_UDP"])
    try:
        socket.create_connection(("127.0.0.1", tcp_port), timeout=2).close()
        out["tcp"] = "connected"
    except OSError as exc:
        out["tcp"] = type(exc).__name__
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(b"probe", ("127.0.0.1", udp_port))
        out["udp"] = "sent"
    except OSError as exc:
        out["udp"] = type(exc).__name__
    open(os.environ["PROBE_OUT"], "w").write(json.dumps(out))
""")


def _launch_probe(listeners: Listeners, user: list[str]) -> tuple[dict, dict]:
    """Run the launcher with a probe in Chromium's place: what the box's network looks like
    from inside (the probe tries the host's loopback listeners). The files sit in a directory
    of /tmp that the unprivileged user may use (pytest's tmp_path is private to root)."""
    import tempfile

    work = tempfile.mkdtemp(prefix="monitor-probe-")
    try:
        os.chmod(work, 0o777)
        probe, out, sock = (os.path.join(work, name) for name in ("probe.py", "out.json", "control"))
        with open(probe, "w") as handle:  # the system's Python: this one may sit under a private /root
            handle.write(f"#!{shutil.which('python3', path='/usr/bin:/bin') or sys.executable} -I\n" + PROBE)
        os.chmod(probe, 0o755)
        control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        control.bind(sock)
        os.chmod(sock, 0o777)
        control.listen(1)
        control.settimeout(60)  # the hang guard: a launcher that died before its handshake
        env = {"PROBE_TCP": str(listeners.tcp_port), "PROBE_UDP": str(listeners.udp_port), "PROBE_OUT": out,
               "PATH": os.environ.get("PATH", "")}
        process = subprocess.Popen([*user, sys.executable, "-I", "-S", str(LAUNCHER), sock, probe, "--headless"],
                                   env=env)
        try:
            conn, _ = control.accept()
            message, fds, _, _ = socket.recv_fds(conn, 65536, 1)
            for fd in fds:
                os.close(fd)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
            control.close()
        with open(out) as handle:
            return json.loads(message), json.loads(handle.read())
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a network namespace as root")
def test_the_launcher_seals_itself_as_root(listeners):
    hello, inside = _launch_probe(listeners, [])
    assert hello["how"] == "network namespace" and isinstance(hello["pid"], int)
    assert inside["interfaces"] == ["lo"] and inside["tcp"] == "ConnectionRefusedError"
    assert inside["args"][-2:] == [f"--proxy-server=http://127.0.0.1:{hello['port']}", "--proxy-bypass-list=<-loopback>"]
    assert listeners.received == []


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to become nobody")
def test_the_launcher_seals_itself_as_an_unprivileged_user(listeners):
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    can = subprocess.run([*nobody, "unshare", "--user", "--net", "true"], capture_output=True, check=False)
    if can.returncode != 0:
        pytest.skip("this kernel allows no unprivileged user namespaces")
    hello, inside = _launch_probe(listeners, nobody)
    assert hello["how"] == "user and network namespace"
    assert inside["uid"] == 65534 and inside["interfaces"] == ["lo"] and inside["tcp"] == "ConnectionRefusedError"
    assert listeners.received == []


# ---------------------------------------------------------------- with Chromium

@needs_browser
def test_a_hostile_page_reaches_nothing_but_the_route(httpserver, listeners):
    url = _hostile_page(httpserver, listeners)
    settings = _settings(allow_private_networks=True, extra_ports=(httpserver.port,))
    shot = capture(url, settings, Fetcher(settings))
    # the page was kept loading until a first arrival or the guard (the gate image)
    assert listeners.received == [], listeners.received  # no UDP (STUN/TURN/QUIC), no TCP
    assert shot.png is not None and shot.error is None, shot.error
    tcp = listeners.tcp_port
    # what the route saw was refused by the fetcher, each named
    for path in ("import.css", "pixel.png", "fetch", "from-worker"):
        assert any(f"127.0.0.1:{tcp}/{path}: port {tcp} is not allowed" in r for r in shot.refused), (path, shot.refused)
    assert any("beacon" in r and "only GET" in r for r in shot.refused), shot.refused
    # the page ran all of it: the workers were started, WebRTC was gone from its frame
    log = [(request.path, request.args.to_dict()) for request, _ in httpserver.log]
    paths = [path for path, _ in log]
    assert "/shared.js" in paths and "/worker.js" in paths and "/sw.js" not in paths  # service workers blocked
    [report] = [args for path, args in log if path == "/report"]
    assert report["main"] == "undefined" and report["webkit"] == "undefined" and report["transport"] == "undefined"
    # the WebSockets went to the sinkhole in the box, and nowhere else
    assert any(a.startswith(f"CONNECT 127.0.0.1:{tcp} ") for a in shot.escaped), shot.escaped


@needs_browser
def test_the_sinkhole_sees_only_what_the_page_asks_for(httpserver):
    if not _headless_shell():
        pytest.skip("the full Chromium's own background requests (component updates) can only be trapped, "
                    "not switched off: install chromium-headless-shell")
    httpserver.expect_request("/robots.txt").respond_with_data("")
    httpserver.expect_request("/page").respond_with_data(
        "<!doctype html><title>x</title><h1>quiet page</h1><img src='/gate.png'>", content_type="text/html")
    seen = threading.Event()

    def gate(request):
        seen.wait(GUARD_SECONDS)  # the browser alive a while: room for its background services
        from werkzeug import Response

        return Response(b"", content_type="image/png")

    httpserver.expect_request("/gate.png").respond_with_handler(gate)
    settings = _settings(allow_private_networks=True, extra_ports=(httpserver.port,))
    assert "headless-shell" in find_browser(settings)  # chosen over the full browser
    shot = capture(httpserver.url_for("/page"), settings, Fetcher(settings))
    assert shot.png is not None, shot.error
    assert shot.escaped == [] and shot.refused == []  # no update.googleapis.com, accounts.google.com, ...


MEMORY_HOG = """<!doctype html><title>hog</title><h1>hog</h1><script>
  const hold = [];
  for (let i = 0; i < 200; i++) { const block = new Uint8Array(10 * 1024 * 1024); block.fill(i + 1); hold.push(block); }
  document.title = "held " + hold.length;
</script>"""


@needs_browser
def test_a_page_over_the_memory_cap_is_a_clear_gap_and_the_worker_survives(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("")
    httpserver.expect_request("/hog").respond_with_data(MEMORY_HOG, content_type="text/html")
    httpserver.expect_request("/plain").respond_with_data("<!doctype html><h1>plain</h1>", content_type="text/html")
    settings = _settings(allow_private_networks=True, extra_ports=(httpserver.port,), screenshot_max_memory_mb=600)
    shot = capture(httpserver.url_for("/hog"), settings, Fetcher(settings))
    assert shot.png is None and "more than 600 MB of memory (MONITOR_SCREENSHOT_MAX_MEMORY_MB)" in shot.error, \
        shot.error
    from monitor.takedown.request import screenshot_problem

    assert screenshot_problem(shot.error) == ("no screenshot could be taken: the page needed more memory than "
                                              "a capture may use, so the browser was stopped")
    # the same process goes on: the next capture works, and no browser is left behind
    again = capture(httpserver.url_for("/plain"), settings, Fetcher(settings))
    assert again.png is not None and again.error is None, again.error
    leftovers = subprocess.run(["pgrep", "-f", "monitor-browser-"], capture_output=True, text=True, check=False)
    assert leftovers.stdout.strip() == ""


@needs_browser
def test_without_a_network_namespace_no_browser_is_started(httpserver, tmp_path):
    """In a user namespace whose quota of network namespaces is 0, the box cannot be made:
    the capture fails with the reason and the page's server sees no request."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare (util-linux)")
    httpserver.expect_request("/robots.txt").respond_with_data("")
    httpserver.expect_request("/page").respond_with_data("<h1>x</h1>", content_type="text/html")
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys
        from monitor.fetch.http import Fetcher
        from monitor.settings import Settings
        from monitor.takedown.screenshot import capture
        settings = Settings(allow_private_networks=True, extra_ports=({httpserver.port},), host_min_delay=0,
                            http_retries=0, screenshot_timeout_seconds=30)
        shot = capture({httpserver.url_for('/page')!r}, settings, Fetcher(settings))
        print(json.dumps({{"png": shot.png is not None, "error": shot.error}}))
    """))
    inner = f"echo 0 > /proc/sys/user/max_net_namespaces && exec {sys.executable} {script}"
    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's monitor, whatever the venv points at
    done = subprocess.run(["unshare", "--user", "--map-root-user", "sh", "-c", inner], capture_output=True,
                          text=True, timeout=120, check=False, cwd=str(ROOT), env=env)
    if done.returncode != 0 and "max_net_namespaces" in done.stderr:
        pytest.skip(f"cannot set a namespace quota here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["png"] is False
    assert result["error"].startswith("the browser could not be given a network of its own"), result
    assert "it is not started without one" in result["error"]
    assert [request.path for request, _ in httpserver.log] == []


@needs_browser
def test_a_box_that_cannot_be_prepared_is_an_answer_not_an_exception(tmp_path, monkeypatch):
    import tempfile

    deep = tmp_path / ("d" * 100) / ("e" * 100)  # the control socket's path is over AF_UNIX's 108 bytes
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    settings = _settings()
    shot = capture("https://example.org/", settings, Fetcher(settings))
    assert shot.png is None and shot.error.startswith("screenshot failed: the browser's box could not be prepared")
    assert list(deep.iterdir()) == []  # nothing left behind
