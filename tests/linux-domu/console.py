#!/usr/bin/env python3
"""Runs shell commands in a guest through the domain builder's `xl console`
over COM2 (QEMU's socket chardev), for tests/suites/61-linux-domu*.sh.

    console.py -s SOCKET [-t SECS] DOMAIN CMD...

Attaches to DOMAIN's console, then for each CMD sends
    echo @@Bn; CMD; echo @@En $?
and waits (at most SECS per command) for the "@@En RC" line; prints every
output line between "@@Bn" and it as "n: LINE", then "n rc: RC".  A CMD that
starts with "!" is sent as is (the rest of it) and not waited for (poweroff,
a crash): what the guest prints until it has been quiet for 2 s (at most 30 s)
is printed as "n: LINE", then the session detaches (Ctrl-]).  Exit status 0, 2 on a timeout (what came
so far is printed to stderr).
"""
import argparse
import re
import socket
import sys
import time

PROMPT = b"xl> "


class Timeout(Exception):
    pass


class Session:
    def __init__(self, path, deadline):
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise Timeout("cannot connect to %s" % path)
                time.sleep(0.1)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def wait(self, pattern, secs):
        """Reads until pattern (bytes regex) matches the buffer; returns the match
        and drops the buffer up to its end."""
        end = time.monotonic() + secs
        rx = re.compile(pattern, re.M)
        while True:
            m = rx.search(self.buf)
            if m:
                before = self.buf[: m.end()]
                self.buf = self.buf[m.end():]
                return m, before
            left = end - time.monotonic()
            if left <= 0:
                raise Timeout("no %r; got %r" % (pattern, self.buf[-600:]))
            self.s.settimeout(min(left, 0.5))
            try:
                chunk = self.s.recv(4096)
                if not chunk:
                    raise Timeout("the builder closed the connection")
                self.buf += chunk.replace(b"\r", b"")
            except socket.timeout:
                pass

    def drain(self, quiet, secs):
        """Everything that arrives until nothing came for `quiet` seconds."""
        end = time.monotonic() + secs
        while time.monotonic() < end:
            self.s.settimeout(quiet)
            try:
                chunk = self.s.recv(4096)
                if not chunk:
                    break
                self.buf += chunk.replace(b"\r", b"")
            except socket.timeout:
                break
        out, self.buf = self.buf, b""
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", "--socket", required=True)
    ap.add_argument("-t", "--timeout", type=float, default=60.0)
    ap.add_argument("domain")
    ap.add_argument("cmds", nargs="*")
    a = ap.parse_args()
    try:
        s = Session(a.socket, time.monotonic() + a.timeout)
        s.send(b"\x1d\n")     # a new session: out of any console a client left attached
        s.wait(re.escape(PROMPT), a.timeout)
        s.send(b"xl console %s\n" % a.domain.encode())
        # the whole line: a read can end inside it ("...; Ctrl-]"), and its
        # rest (" detaches]") would land in the first command's output
        m, _ = s.wait(rb"^(\[attached to .*\]|xl: .*)\n", a.timeout)
        if m.group(1).startswith(b"xl: "):
            print(m.group(1).decode(errors="replace"))
            return 1
        for n, cmd in enumerate(a.cmds, 1):
            if cmd.startswith("!"):
                s.send(cmd[1:].encode() + b"\n")
                for line in s.drain(2.0, 30.0).decode(errors="replace").split("\n"):
                    print("%d: %s" % (n, line))
                break
            s.send(b"echo @@B%d; %s; echo @@E%d $?\n" % (n, cmd.encode(), n))
            m, before = s.wait(rb"^@@E%d (\d+)$" % n, a.timeout)
            out = before.decode(errors="replace").split("\n")
            try:
                first = out.index("@@B%d" % n)
            except ValueError:
                print("%d: (no @@B%d line)" % (n, n))
                first = len(out) - 1
            for line in out[first + 1:-1]:
                print("%d: %s" % (n, line))
            print("%d rc: %s" % (n, m.group(1).decode()))
            sys.stdout.flush()
        s.send(b"\x1d")
        s.wait(rb"\[detached\]$", a.timeout)   # after the shell's prompt
        return 0
    except Timeout as e:
        print("console.py: timeout: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
