#!/usr/bin/env python3
"""Writes a cpio "newc" archive (the initramfs format) to stdout from a
spec on stdin, one entry per line, without needing root for device nodes:
    dir   PATH MODE
    file  PATH SRC MODE
    nod   PATH MODE c|b MAJOR MINOR
    slink PATH TARGET
All entries are owned by root; modes are octal; mtimes are 0 so the archive
is reproducible."""
import os
import stat
import sys


def entry(out, ino, name, mode, data=b"", rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
    hdr = b"070701" + b"".join(b"%08x" % f for f in fields)
    out.write(hdr + name_b)
    out.write(b"\0" * (-(len(hdr) + len(name_b)) % 4))
    out.write(data)
    out.write(b"\0" * (-len(data) % 4))


def main():
    out = sys.stdout.buffer
    ino = 1
    for line in sys.stdin:
        w = line.split()
        if not w or w[0].startswith("#"):
            continue
        kind, path = w[0], w[1].lstrip("/")
        if kind == "dir":
            entry(out, ino, path, stat.S_IFDIR | int(w[2], 8))
        elif kind == "file":
            with open(w[2], "rb") as f:
                data = f.read()
            entry(out, ino, path, stat.S_IFREG | int(w[3], 8), data)
        elif kind == "nod":
            typ = stat.S_IFCHR if w[3] == "c" else stat.S_IFBLK
            entry(out, ino, path, typ | int(w[2], 8), rdev=(int(w[4]), int(w[5])))
        elif kind == "slink":
            entry(out, ino, path, stat.S_IFLNK | 0o777, w[2].encode())
        else:
            sys.exit("mkcpio: unknown entry kind %r" % kind)
        ino += 1
    entry(out, 0, "TRAILER!!!", 0)
    out.write(b"\0" * (-out.tell() % 512) if out.seekable() else b"")


if __name__ == "__main__":
    main()
