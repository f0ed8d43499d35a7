#!/usr/bin/env bash
# The tree's structure (issue 13), checked so it stays true: every file of the core
# is in docs/architecture.md's source map; nothing outside kernel/ (and the host unit
# tests of kernel code) reaches a kernel-internal header; generic core code uses no
# x86 page-table bits (nor pt.h); C files use the one indent style of .clang-format (no tabs).
# Each rule is then tried on a copy with one violation planted, which must fail.
set -u
cd "$(dirname "$0")/../.."
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
source tests/suites/lib.sh

# Prints one line per violation of each rule, in the tree at $1.
unmapped() {
    (cd "$1" && find kernel -type f \( -name '*.[chS]' -o -name '*.ld' -o -name '*.mk' \) | sort |
        while read -r f; do
            grep -qF "$(basename "$f")" docs/architecture.md || echo "$f"
        done)
}
kernel_headers_outside() {
    (cd "$1" && git grep -nE -e '-I *kernel/(include|arch)' -e '#include *"[./]*kernel/' -- \
        ':!kernel/' ':!tests/unit/' ':!docs/' ':!tests/suites/01-tree.sh' 2>/dev/null || true)
}
x86_in_generic() {
    (cd "$1" && grep -nE '#include "pt\.h"|\b(PTE_[A-Z]+|_PAGE_[A-Z]+|pte_mfn|l4_slot_is_hv)\b' \
        kernel/common/*.c kernel/include/*.h 2>/dev/null || true)
}
tab_indented() {
    (cd "$1" && git grep -lP '^\t' -- '*.c' '*.h' 2>/dev/null || true)
}

rule() { # NAME FUNCTION: the rule holds on the tree
    local out
    out=$($2 .)
    if [ -z "$out" ]; then ok "$1"; else fail "$1: $(echo "$out" | head -5 | tr '\n' ' ')"; fi
}
rule "every core file is in docs/architecture.md's source map" unmapped
rule "nothing outside kernel/ and the unit tests includes a kernel-internal header" kernel_headers_outside
rule "kernel/common and kernel/include hold no x86 page-table bits" x86_in_generic
rule "no C file is tab-indented (.clang-format: 4 spaces)" tab_indented

# Each rule fails on a planted violation (a copy of the tracked tree).
git ls-files -z | tar --null -T - -cf - 2>/dev/null | tar -xf - -C "$t"
git -C "$t" init -q && git -C "$t" add -A >/dev/null 2>&1
plant() { # NAME FUNCTION FILE TEXT: FILE gets TEXT, the rule must name it
    local copy="$t/.plant" out
    rm -rf "$copy" && cp -a "$t" "$copy" 2>/dev/null
    mkdir -p "$(dirname "$copy/$3")" && printf '%b' "$4" >>"$copy/$3"
    git -C "$copy" add -A >/dev/null 2>&1
    out=$($2 "$copy")
    if echo "$out" | grep -qF "$3"; then ok "planted: $1 is found"; else fail "planted: $1 not found: [$out]"; fi
}
rm -rf "$t/.git/index.lock"
plant "a core file missing from the source map" unmapped kernel/common/planted_file.c '/* x */\n'
plant "a server including a kernel header" kernel_headers_outside servers/lib/planted.c '#include "../../kernel/include/mm.h"\n'
plant "x86 page-table bits in common code" x86_in_generic kernel/common/domain.c 'static int planted = PTE_RW;\n'
plant "a tab-indented C file" tab_indented servers/lib/planted_tab.c 'int f(void)\n{\n\treturn 0;\n}\n'
finish
