"""The box one screenshot's browser lives in, seen from the capture: the launcher script that
starts Chromium in a network namespace of its own (monitor.takedown.sealed_launch), the
sinkhole proxy on that namespace's loopback, and a watchdog that stops the whole browser
(every process of its tree) when it passes its memory, process or time cap.

Design (issue #20): the browser reaches nothing but `page.route` (whose requests the fetcher
makes, under the address rules), because its network namespace has no way out: not UDP
(WebRTC's STUN/TURN), not TCP (WebSockets, workers, the browser's own services), not DNS.
The other design, a proxy as the only route with UDP blocked, needs a firewall for the
browser's processes (root, and rules shared with the rest of the host) and still leaves every
protocol the proxy does not carry to Chromium's flags. A namespace is one system call, needs
no rule and no proxy to be right, and fails closed: where it cannot be made (no privilege,
no user namespaces) Chromium is not started and the capture says why.

The caps are the watchdog's because Chromium has none of its own: RLIMIT_AS breaks V8's
address-space reservations, cgroups need privileges and a writable cgroup tree. The watchdog
reads the tree's proportional set size (PSS) from /proc every POLL_SECONDS; a page allocating
quickly can pass the cap by what it gets in one poll before it is stopped."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from monitor.fetch.policy import redact

_Arg = TypeVar("_Arg")  # what a box thread is started with

LAUNCHER = Path(__file__).with_name("sealed_launch.py")
POLL_SECONDS = 0.1
HELLO_SECONDS = 30.0  # the launcher's handshake, once Playwright has started it
NOT_SEALED = "the browser could not be given a network of its own"


@dataclass(frozen=True)
class Limits:
    memory_bytes: int  # PSS of the whole browser tree
    processes: int  # processes in the tree
    deadline: float  # clock() after which the browser is stopped


# ---------------------------------------------------------------- pure parts

def parse_pss(smaps_rollup: str) -> int | None:
    """Bytes of the `Pss:` line of /proc/PID/smaps_rollup, or None."""
    for line in smaps_rollup.splitlines():
        if line.startswith("Pss:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1]) * 1024
    return None


def descendants(root: int, parents: dict[int, int]) -> set[int]:
    """root and every process below it, given pid -> parent pid."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def over_limits(memory: int, processes: int, now: float, limits: Limits) -> str | None:
    """Why the browser must be stopped, or None. Pure."""
    if memory > limits.memory_bytes:
        return (f"the page used more than {limits.memory_bytes // 2**20} MB of memory "
                f"(MONITOR_SCREENSHOT_MAX_MEMORY_MB); the browser was stopped")
    if processes > limits.processes:
        return f"the page started more than {limits.processes} browser processes; the browser was stopped"
    if now > limits.deadline:
        return "the capture passed its time limit (MONITOR_SCREENSHOT_TIMEOUT_SECONDS); the browser was stopped"
    return None


def wrapper_script(python: str, launcher: Path, control: Path, chromium: str) -> str:
    """The executable Playwright starts: the launcher, with Chromium's own arguments after."""
    quoted = " ".join(shlex.quote(str(part)) for part in (python, "-I", "-S", launcher, control, chromium))
    return f'#!/bin/sh\nexec {quoted} "$@"\n'


# ---------------------------------------------------------------- /proc

def _stat(pid: int | str) -> list[bytes] | None:
    """/proc/PID/stat's fields after the command name (state, ppid, ...), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()  # comm may hold spaces and parentheses
    except (OSError, IndexError):
        return None


def start_time(pid: int) -> int | None:
    """When the process started (clock ticks since boot): with the pid, its identity, so a
    pid reused after the browser ended is never taken for it."""
    fields = _stat(pid)
    return int(fields[19]) if fields and len(fields) > 19 and fields[19].isdigit() else None


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(entry)
            if fields and len(fields) > 1 and fields[1].isdigit():
                parents[int(entry)] = int(fields[1])
    return parents


def _memory(pid: int) -> int:
    """The process's PSS; its resident size where smaps_rollup is not readable (counts shared
    pages in full, so the cap errs on the safe side)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            found = parse_pss(handle.read())
        if found is not None:
            return found
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_usage(root: int) -> tuple[int, set[int]]:
    """(PSS bytes, pids) of root's process tree."""
    pids = descendants(root, _parents())
    return sum(_memory(pid) for pid in pids), pids


def kill_tree(root: int, started: int | None) -> None:
    """SIGKILL to the browser's process group (Playwright starts it as a group leader) and to
    every process of its tree (a child that left the group too), if root is still the process
    that was started (same start time): never a stranger that got its pid."""
    if started is None or start_time(root) != started:
        return
    pids = descendants(root, _parents())
    with contextlib.suppress(OSError):
        os.killpg(root, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------- the box

class _Sinkhole:
    """Records the first line of whatever the browser sends its proxy (CONNECT host:port, or
    a request line) and closes: the listening socket lives in the box's namespace, handed
    over by the launcher; accepting on it works from here."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.attempts: list[str] = []
        self.thread = threading.Thread(target=self._serve, name="browser-sinkhole", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(1.0)
                first = conn.recv(1024).split(b"\r\n", 1)[0].decode("latin-1", "replace")
                if first:
                    self.attempts.append(redact(first))
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class BrowserBox:
    """with BrowserBox(chromium, limits) as box: launch Playwright's Chromium with
    executable_path=box.executable; box.wait_sealed() after the launch; box.stopped says why the
    watchdog stopped the browser (or None), box.error why it could not start sealed."""

    def __init__(self, chromium: str, limits: Limits, *, clock: Callable[[], float]):
        self.chromium, self.limits, self.clock = chromium, limits, clock
        self.error: str | None = None
        self.stopped: str | None = None
        self.how: str | None = None
        self.pid: int | None = None
        self.started: int | None = None
        self.peak_memory = 0
        self.sinkhole: _Sinkhole | None = None
        self._hello = threading.Event()
        self._done = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def escaped(self) -> list[str]:
        return list(self.sinkhole.attempts) if self.sinkhole else []

    def __enter__(self) -> BrowserBox:
        """The private directory (0700) with the control socket and the launcher script. An
        OSError (no temporary directory, a socket path too long) is kept in `error`."""
        self.directory: Path | None = None
        self.control: socket.socket | None = None
        try:
            self.directory = Path(tempfile.mkdtemp(prefix="monitor-browser-"))
            control_path = self.directory / "control"
            self.control = control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            control.bind(str(control_path))
            control.listen(1)
            self.executable = str(self.directory / "chromium")
            with open(os.open(self.executable, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700), "w") as handle:
                handle.write(wrapper_script(sys.executable, LAUNCHER, control_path, self.chromium))
        except OSError as exc:
            self.error = f"screenshot failed: the browser's box could not be prepared ({exc})"
            return self
        self._start("browser-box-handshake", self._handshake, control)
        return self

    def _start(self, name: str, target: Callable[[_Arg], None], arg: _Arg) -> None:
        thread = threading.Thread(target=target, args=(arg,), name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _handshake(self, control: socket.socket) -> None:
        """The launcher's one message: the sealed box (pid, the sinkhole's socket) or why not."""
        try:
            conn, _ = control.accept()
        except OSError:
            return
        with conn:
            try:
                conn.settimeout(HELLO_SECONDS)
                message, fds, _, _ = socket.recv_fds(conn, 65536, 1)
                hello = json.loads(message or b"{}")
            except (OSError, ValueError) as exc:
                self.error = f"{NOT_SEALED}: no word from its launcher ({type(exc).__name__})"
                self._hello.set()
                return
        if "error" in hello or not fds:
            for fd in fds:
                os.close(fd)
            self.error = f"{NOT_SEALED} ({str(hello.get('error', 'no socket'))[:300]}): it is not started without one"
        else:
            self.pid = pid = int(hello["pid"])
            self.how = str(hello.get("how"))
            self.started = start_time(pid)  # it is waiting for us: still the launcher's process
            self.sinkhole = _Sinkhole(socket.socket(fileno=fds[0]))
            self._start("browser-box-watchdog", self._watch, pid)
        self._hello.set()

    def wait_sealed(self, timeout: float = HELLO_SECONDS) -> str | None:
        """After the launch: None when the browser runs in its box, else the reason."""
        if not self._hello.wait(timeout):
            return self.error or f"{NOT_SEALED}: its launcher never reported"
        return self.error if self.pid is None else None

    def _watch(self, pid: int) -> None:
        while not self._done.wait(POLL_SECONDS):
            if start_time(pid) != self.started:
                return  # the browser has gone
            memory, pids = tree_usage(pid)
            self.peak_memory = max(self.peak_memory, memory)
            reason = over_limits(memory, len(pids), self.clock(), self.limits)
            if reason is not None:
                self.stopped = reason
                kill_tree(pid, self.started)
                return

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self.pid is not None:
            kill_tree(self.pid, self.started)  # whatever Playwright left running (it closes the browser first)
        if self.control is not None:
            with contextlib.suppress(OSError):
                self.control.shutdown(socket.SHUT_RDWR)  # wakes a handshake still waiting in accept()
            self.control.close()
        if self.sinkhole is not None:
            self.sinkhole.close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
