#!/usr/bin/env python3
"""Writes the scripts (for xsmsg / xs-ringc, see wire.h) of the unprivileged
differential test: OUT/setup.txt is run over the privileged socket, then
OUT/dom5.txt over domain 5's ring, against our xenstored and against Xen
4.17's C xenstored; the replies must be identical. It covers permission
checks and errors as seen by a domain, creation ownership and inheritance,
relative paths, watches, transactions, and the quotas (entry size,
permissions per node, transactions, watches, nodes)."""
import os, sys

out = sys.argv[1]
setup = """INTRODUCE 5 0 7
MKDIR /local/domain/5
SET_PERMS /local/domain/5 n5
WRITE /pub/x v
SET_PERMS /pub/x r9
SET_PERMS /pub r9
WRITE /priv/x s
SET_PERMS /priv n9
SET_PERMS /priv/x n9
WRITE /shared/x s
SET_PERMS /shared n9 b5
SET_PERMS /shared/x n9 b5
WRITE /ro/x s
SET_PERMS /ro n9 r5
SET_PERMS /ro/x n9 r5
WRITE /wo/x s
SET_PERMS /wo n9 w5
SET_PERMS /wo/x n9 w5
MKDIR /home
SET_PERMS /home n9 b5
"""
dom = """READ /pub/x
WRITE /pub/x no
DIRECTORY /pub
READ /priv/x
READ /priv/nope
DIRECTORY /priv
GET_PERMS /priv
READ /shared/x
WRITE /shared/x mine
WRITE /shared/new 1
GET_PERMS /shared/new
MKDIR /shared/dir/sub
GET_PERMS /shared/dir
READ /ro/x
WRITE /ro/x no
WRITE /ro/new no
READ /wo/x
READ /wo/nope
WRITE /wo/x yes
WRITE /wo/new yes
GET_PERMS /wo/new
RM /ro/x
RM /ro/nope
RM /wo/nope
RM /shared/nope
RM /shared/a/b
RM /shared/x
WRITE /home/d5/f v
GET_PERMS /home/d5/f
GET_PERMS /home/d5
SET_PERMS /home/d5/f n5 r6
GET_PERMS /home/d5/f
SET_PERMS /home/d5/f n6
SET_PERMS /home/d5/f b5 n6 r7
GET_PERMS /home/d5/f
SET_PERMS /home/d5/nope n5
SET_PERMS /priv/nope n5
SET_PERMS /shared/new b5
SET_PERMS /ro/x n5
MKDIR /ro/x
MKDIR /ro/y
WRITE rel/x 1
READ rel/x
GET_PERMS rel/x
GET_PERMS /local/domain/5
DIRECTORY /local/domain/5
DIRECTORY_PART /local/domain/5 0
WRITE rel/big %s
WRITE rel/edge1 %s
WRITE rel/edge2 %s
SET_PERMS rel/x n5 r1 r2 r3 r4 r6
SET_PERMS rel/x n5 r1 r2 r3 r6
INTRODUCE 9 1 1
RELEASE 5
RESUME 5
SET_TARGET 5 6
IS_DOMAIN_INTRODUCED 5
CONTROL print x
GET_DOMAIN_PATH 5
WATCH /priv/x w1
WATCH rel w2
WRITE rel/x 2
RM rel/x
UNWATCH rel w2
WATCH @introduceDomain w3
WATCH @releaseDomain w4
TRANSACTION_START
@T WRITE rel/t 1
@T READ /priv/x
@T READ /pub/x
@T TRANSACTION_END T
READ rel/t
RESET_WATCHES
""" % ("x" * 2049, "y" * 2015, "z" * 2016)
dom += """999
@4242 READ rel/x
@1 TRANSACTION_END T
TRANSACTION_START
@T WATCH rel wt
@T UNWATCH rel wt
@T TRANSACTION_END F
@T READ rel/x
WATCH / wroot
WATCH /tool wtool
RESET_WATCHES
DIRECTORY /
DIRECTORY /local/domain
READ /tool/xenstored
GET_PERMS /tool
WATCH rel a
WATCH rel b
WRITE rel/two 2
RESET_WATCHES
MKDIR rel
RM rel/nope/deeper
SET_PERMS rel/x b5
READ rel/x
"""
dom += "TRANSACTION_START\n" * 11
dom += "RESET_WATCHES\n"
dom += "".join("WATCH rel/wq t%d\n" % i for i in range(130))
dom += "RESET_WATCHES\n"
dom += "".join("WRITE rel/q/n%04d v\n" % i for i in range(1000))
dom += "RM rel\nREAD rel/x\n"

def long_path(prefix, n):
    """prefix + n characters of 200-character components"""
    seg = "a" * n
    return prefix + "/".join(seg[i:i + 200] for i in range(0, n, 200))

# path length limits: 2048 once /local/domain/<id>/ is discounted, 3072 in all
for n in (2030, 2035, 2040, 2100, 3100):
    setup += "WRITE %s v\n" % long_path("/p/", n)
    setup += "WRITE %s v\n" % long_path("/local/domain/7/", n)
    dom += "WRITE %s v\n" % long_path("/home/", n)
    dom += "WRITE %s v\n" % long_path("", n)
open(os.path.join(out, "setup.txt"), "w").write(setup)
open(os.path.join(out, "dom5.txt"), "w").write(dom)

evA = """WATCH /pub w1
WATCH /priv w2
WATCH /shared w3
WATCH rel w4
WATCH /ro w5
WATCH /home w6
"""
evP = """WRITE /pub/x a
WRITE /priv/x b
WRITE /shared/x c
WRITE /shared/y c
SET_PERMS /priv/x n9 r5
WRITE /priv/x d
SET_PERMS /priv/x n9
WRITE /priv/x e
WRITE /ro/x e
RM /shared
WRITE /local/domain/5/y e
RM /pub/x
MKDIR /home/a/b
SET_PERMS /home/a n9
RM /home/a
SET_PERMS /pub n9
WRITE /pub/z 1
TRANSACTION_START
@T WRITE /ro/t 1
@T WRITE /priv/t 1
@T RM /local/domain/5/y
@T TRANSACTION_END T
"""
open(os.path.join(out, "evA.txt"), "w").write(evA)
open(os.path.join(out, "evP.txt"), "w").write(evP)
evR = """WATCH /local wl
WATCH /shared ws
WATCH /home wh
WATCH /home/d5/f wf
WATCH @releaseDomain wr
RELEASE 5
SYNC
DIRECTORY /local/domain
DIRECTORY /home
DIRECTORY /shared
GET_PERMS /wo/new
IS_DOMAIN_INTRODUCED 5
"""
open(os.path.join(out, "evR.txt"), "w").write(evR)
