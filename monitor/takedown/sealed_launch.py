"""Started in place of Chromium (Playwright's `executable_path` is a two-line script that runs
this file): it moves itself into a network namespace of its own, where the only interface is
a loopback that nothing else shares, opens the sinkhole's listening socket there, hands that
socket to the capture over a Unix socket, and becomes Chromium (exec, same pid).

Why a namespace and not only a proxy: a page's WebRTC (`stun:`/`turn:` servers it names)
sends UDP straight from the browser, past `page.route` and past any HTTP proxy, and Chromium's
`--force-webrtc-ip-handling-policy` does not hold for servers the page gives. In an empty
network namespace there is no route anywhere: UDP, TCP, DNS, QUIC all fail inside the box,
whatever the page or the browser's own services try. Playwright drives Chromium over a pipe
(`--remote-debugging-pipe`), and `page.route` answers every request with what the fetcher
fetched outside, so the page still loads; the sinkhole proxy, inside the box on its
loopback, records what else was attempted.

Run by path with `python -I -S`: the standard library only, nothing of the monitor (so no
package import can run before the box is closed). Linux only.

argv: CONTROL_SOCKET CHROMIUM [ARGUMENT...] (the arguments Playwright gives Chromium)."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import socket
import struct
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
EXIT_NOT_SEALED = 70  # EX_SOFTWARE: the box could not be made, Chromium was not started


def merged_arguments(arguments: list[str], proxy_port: int) -> list[str]:
    """Chromium's arguments for life in the box. Pure. Every `--disable-features=` given
    (Playwright's own list and the capture's) is merged into one, since Chromium keeps only
    the last; any proxy setting is replaced by the sinkhole on the box's loopback, for every
    address (loopback included: `<-loopback>` removes Chromium's implicit bypass)."""
    features: list[str] = []
    kept: list[str] = []
    for argument in arguments:
        if argument.startswith("--disable-features="):
            features += [f for f in argument.split("=", 1)[1].split(",") if f and f not in features]
        elif not argument.startswith(("--proxy-server=", "--proxy-bypass-list=", "--proxy-pac-url=")):
            kept.append(argument)
    if features:
        kept.append("--disable-features=" + ",".join(features))
    return [*kept, f"--proxy-server=http://127.0.0.1:{proxy_port}", "--proxy-bypass-list=<-loopback>"]


def _unshare(flags: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.unshare(flags) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def unshare_network() -> str:
    """Enter a new network namespace; returns how. As root (or with CAP_SYS_ADMIN) a plain one;
    otherwise inside a new user namespace too (uid and gid mapped to themselves, so Chromium
    runs as the same unprivileged user), where the kernel allows unprivileged ones."""
    try:
        _unshare(CLONE_NEWNET)
        return "network namespace"
    except OSError as first:
        if first.errno not in (errno.EPERM, errno.EACCES):
            raise
    uid, gid = os.getuid(), os.getgid()
    _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                       ("/proc/self/gid_map", f"{gid} {gid} 1")):
        with open(path, "w") as handle:
            handle.write(text)
    return "user and network namespace"


def loopback_up() -> None:
    """Bring the box's own `lo` up (a new namespace starts with it down), so that the
    sinkhole can listen on it. The same ioctls as `ip link set lo up`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def seal() -> tuple[socket.socket, str]:
    """The box: a new network namespace with nothing but loopback (checked), and the
    sinkhole's listening socket on it."""
    how = unshare_network()
    loopback_up()
    names = sorted(name for _, name in socket.if_nameindex())
    if names != ["lo"]:
        raise OSError(errno.EEXIST, f"the new network namespace has interfaces {names}, not only lo")
    sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sink.bind(("127.0.0.1", 0))
    sink.listen(64)
    return sink, how


def main(argv: list[str]) -> int:
    control_path, chromium, arguments = argv[1], argv[2], argv[3:]
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    control.connect(control_path)
    try:
        sink, how = seal()
    except OSError as exc:
        message = {"error": f"{exc.strerror or exc} (errno {exc.errno})" if exc.errno else str(exc)}
        control.sendall(json.dumps(message).encode())
        return EXIT_NOT_SEALED
    port = sink.getsockname()[1]
    hello = {"pid": os.getpid(), "port": port, "how": how}
    socket.send_fds(control, [json.dumps(hello).encode()], [sink.fileno()])
    sink.close()
    control.close()
    os.execv(chromium, [chromium, *merged_arguments(arguments, port)])
    return EXIT_NOT_SEALED  # not reached: execv raises or never returns


if __name__ == "__main__":
    sys.exit(main(sys.argv))
