#!/usr/bin/env python3
"""Dependency check: every program and system file the repository's scripts and
Makefiles use must come from a Debian package that scripts/deps.sh installs (or one
those pull in, or one every Debian system has). Prints one check line per package
and a summary; a tool from a package deps.sh does not install fails naming it.

Commands are found where a shell runs them (start of a line or after | ; && || $( `
then do else exec time timeout xargs command sudo env), in Makefile recipes, on
make/shell variable assignments naming a program (CC := clang), as the program of a
subprocess call in Python, as absolute paths into /usr, /bin, /sbin, /lib or /boot that are run, assigned or
tested (-r, -x, ...), and as packages named to dpkg -L/-s/-W. Here-documents are data;
a file that says 'depcheck: runs in a guest' near its top is skipped, and so is a line
marked 'depcheck: guest' (a command sent to a guest's shell).
Usage: depcheck.py [--deps FILE] [--list]   (--list prints command -> package)
"""
import os, re, shutil, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = r'(?:^|[|;&]|&&|\|\||\$\(|`|\bthen\b|\bdo\b|\belse\b|\bexec\b|\btime\b|' \
         r'\btimeout\s+(?:-\w+\s+)*[\d.]+[smh]?\b|\bxargs(?:\s+-\S+)*\b|\bcommand(?:\s+-v)?\b|' \
         r'\bsudo\b|\benv\b|\$SUDO\b|\bif\b|\bwhile\b|!)'
CMD_RE = re.compile(PREFIX + r'\s*(?:[A-Za-z_][A-Za-z0-9_]*=(?!\()\S*\s+)*'
                    r'([A-Za-z][A-Za-z0-9_.+-]*)(?=[\s;|&)`]|$)')
ASSIGN_RE = re.compile(r'^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*(?::=|\?=|\+=|=)\s*'
                       r'(?:\$\{[A-Za-z_]+:-)?([A-Za-z][A-Za-z0-9_.+-]*)')
SYSPATH = r'(/(?:usr|bin|sbin|lib|boot)/[A-Za-z0-9_.+/-]+)'
# An absolute path counts where the shell runs it, assigns it or tests it.
PATH_RE = re.compile(r'(?:' + PREFIX + r'|^\s*(?:export\s+)?[A-Za-z_]\w*\s*[:?+]?=(?:\$\{\w+:-)?|'
                     r'\s-[erxfsd])\s*["\']?' + SYSPATH)
DPKG_RE = re.compile(r'\bdpkg(?:-query)?\s+-[LsW]\s+(?:-f\s*\S+\s+)?([a-z0-9][a-z0-9.+-]+)')
PYSTR_RE = re.compile(r'''(?:subprocess\.\w+|Popen|os\.system|os\.exec\w*)\(\s*\[?\s*["']([A-Za-z/][A-Za-z0-9_./+-]*)''')
SHELL_WORDS = set('''if then else elif fi for while until do done case esac in function
  select return local export readonly declare set unset shift exit break continue eval
  source trap wait read cd pwd echo printf test true false let type hash command builtin
  ulimit umask alias getopts kill jobs exec time timeout'''.split())


def tracked_files():
    out = subprocess.run(['git', '-C', ROOT, 'ls-files'], capture_output=True, text=True)
    return [f for f in out.stdout.split('\n') if f]


def kind(path):
    base = os.path.basename(path)
    if base == 'Makefile' or base.endswith('.mk'):
        return 'make'
    if base.endswith('.sh'):
        return 'sh'
    if base.endswith('.py'):
        return 'py'
    try:
        with open(os.path.join(ROOT, path), 'rb') as f:
            head = f.readline(200)
    except OSError:
        return None
    if head.startswith(b'#!'):
        return 'py' if b'python' in head else 'sh' if b'sh' in head else None
    return None


def strip_comment(line):
    if line.lstrip().startswith('#'):
        return ''
    return re.sub(r'\s#\s.*$', '', line)


def code_only(line):
    """The line with quoted text removed, except command substitutions inside
    double quotes: words in strings are messages, guest commands or awk programs."""
    out, i, n = [], 0, len(line)
    quote, depth = None, 0
    while i < n:
        c = line[i]
        if quote is None:
            if c == '\\':
                out.append(line[i:i + 2]); i += 2; continue
            if c in '\'"':
                quote = c; out.append(' '); i += 1; continue
            out.append(c)
        elif quote == "'":
            if c == "'":
                quote = None
        else:  # double quotes: keep $( ... ) bodies
            if depth == 0 and c == '\\':
                i += 2; continue
            if line.startswith('$(', i):
                depth += 1; out.append(' $('); i += 2; continue
            if depth and c == ')':
                depth -= 1; out.append(') '); i += 1; continue
            if depth:
                out.append(c)
            elif c == '"':
                quote = None
        i += 1
    return ''.join(out)


def functions_of(text):
    return set(re.findall(r'^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)', text, re.M))


def words_of(path, k, text):
    """(word, lineno) pairs: candidate programs and absolute paths."""
    out = []
    heredoc = None
    for n, raw in enumerate(text.split('\n'), 1):
        if heredoc is not None:  # a here-document is data (or another language)
            if raw.strip() == heredoc:
                heredoc = None
            continue
        if k == 'sh':
            m = re.search(r'<<-?\s*[\'"]?([A-Za-z_]+)[\'"]?', raw)
            if m:
                heredoc = m.group(1)
        if 'depcheck: guest' in raw:
            continue  # a command line typed into a guest
        line = strip_comment(raw)
        if not line.strip():
            continue
        if k != 'py':
            line = code_only(line)
        if k == 'py':
            out += [(m, n) for m in PYSTR_RE.findall(line)]
        else:
            body = line[1:] if (k == 'make' and line.startswith('\t')) else line
            if k == 'make' and not line.startswith('\t'):
                body = ''  # rules and conditionals: only assignments below
            out += [(m, n) for m in CMD_RE.findall(body)]
            out += [(m, n) for m in ASSIGN_RE.findall(line)]
        out += [(m, n) for m in PATH_RE.findall(line)]
        out += [('pkg:' + m, n) for m in DPKG_RE.findall(line)]
    return out


def variants(path):
    """The names dpkg may know a file by (merged /usr: /bin is /usr/bin)."""
    cands = {path, os.path.realpath(path)}
    for p in list(cands):
        for a, b in (('/usr/bin/', '/bin/'), ('/usr/sbin/', '/sbin/'), ('/usr/lib/', '/lib/')):
            if p.startswith(a):
                cands.add(b + p[len(a):])
            elif p.startswith(b):
                cands.add(a + p[len(b):])
    return cands


OWNERS = None


def package_of(path):
    """The package owning path, from dpkg's file lists (one pass, not dpkg -S per file)."""
    global OWNERS
    if path.startswith('pkg:'):
        return path[4:]
    if OWNERS is None:
        OWNERS = {}
        info = '/var/lib/dpkg/info'
        for f in sorted(os.listdir(info)):
            if f.endswith('.list'):
                pkg = f[:-5].split(':')[0]
                with open(os.path.join(info, f), errors='replace') as fh:
                    for line in fh:
                        OWNERS.setdefault(line.rstrip('\n'), pkg)
    for c in sorted(variants(path)):
        if c in OWNERS:
            return OWNERS[c]
    return None


def deps_packages(deps_file):
    text = open(deps_file).read()
    m = re.search(r'pkgs=\((.*?)\)', text, re.S)
    if not m:
        sys.exit(f'{deps_file}: no pkgs=( ... ) list')
    return [w for w in re.sub(r'#.*', '', m.group(1)).split() if w]


def closure(pkgs):
    """Packages the deps list installs (Depends/Pre-Depends, recursively) plus
    every Essential or Priority: required package."""
    r = subprocess.run(['apt-cache', 'depends', '--recurse', '--no-recommends',
                        '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces',
                        '--no-enhances', '--installed'] + pkgs, capture_output=True, text=True)
    have = set(pkgs)
    for line in r.stdout.split('\n'):
        s = line.strip()
        if not s:
            continue
        if not line.startswith(' '):
            have.add(s.split(':')[0])
        else:
            m = re.match(r'\|?(?:Pre)?Depends:\s*<?([^>\s]+)>?', s)
            if m:
                have.add(m.group(1).split(':')[0])
    q = subprocess.run(['dpkg-query', '-W', '-f', '${Package} ${Essential} ${Priority}\n'],
                       capture_output=True, text=True)
    for line in q.stdout.split('\n'):
        f = line.split()
        if len(f) == 3 and (f[1] == 'yes' or f[2] == 'required'):
            have.add(f[0])
    return have


def main():
    args = sys.argv[1:]
    deps_file = os.path.join(ROOT, 'scripts/deps.sh')
    if '--deps' in args:
        deps_file = args[args.index('--deps') + 1]
    listing = '--list' in args
    files = [(f, kind(f)) for f in tracked_files()]
    uses = {}   # program path -> first "file:line"
    for f, k in files:
        if not k:
            continue
        try:
            text = open(os.path.join(ROOT, f), errors='replace').read()
        except OSError:
            continue
        if 'depcheck: runs in a guest' in text[:2000]:
            continue  # its programs come from the guest's image, not the host
        funcs = functions_of(text) if k == 'sh' else set()
        for w, n in words_of(f, k, text):
            if w.startswith('pkg:'):
                target = w
            elif w.startswith('/'):
                if not os.path.exists(w) or os.path.isdir(w):
                    continue
                target = w
            else:
                if w in SHELL_WORDS or w in funcs:
                    continue
                target = shutil.which(w)
                if target and package_of(target) is None:
                    # e.g. pyenv's python3 ahead of Debian's on PATH: the system's counts
                    target = next((d + w for d in ('/usr/bin/', '/usr/sbin/', '/bin/', '/sbin/')
                                   if os.path.exists(d + w)), target)
                if not target:
                    continue
            uses.setdefault(target, f'{f}:{n}')
    provided = closure(deps_packages(deps_file))
    need = {}
    for target, where in sorted(uses.items()):
        pkg = package_of(target)
        if pkg is None:
            continue  # not from a package (built by the project or a local tool): not a dependency
        need.setdefault(pkg, []).append((target, where))
    passed = failed = 0
    for pkg in sorted(need):
        first = need[pkg][0]
        if listing:
            for t, w in need[pkg]:
                print(f'{t} -> {pkg} ({w})')
        if pkg in provided:
            print(f'ok - {pkg} provided by scripts/deps.sh ({first[0]}, {first[1]})')
            passed += 1
        else:
            print(f'FAIL - {pkg}: {first[1]} uses {first[0]}, from Debian package {pkg}, '
                  f'which scripts/deps.sh does not install')
            failed += 1
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
