#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Source checks the compiler does not make, as TAP (one test per rule).

Production code is everything under common/, client/ and server/. Tests may use g_assert.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
prod_dirs = ["common", "client", "server"]
all_dirs = prod_dirs + ["tests"]

def sources(dirs, suffixes=(".c", ".h")):
    for d in dirs:
        base = root / d
        if not base.exists():
            continue
        for p in sorted(base.rglob("*")):
            if p.suffix in suffixes and p.is_file():
                yield p

def strip_comments_and_strings(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return text

# token -> why; files allowed to use it
BLOCKED = [
    (r"\bg_assert\w*\s*\(", "g_assert is for tests; validate input and return a GError", set()),
    (r"\bg_error\s*\(", "g_error() aborts; return a GError", set()),
    (r"\babort\s*\(", "abort() kills the process; return a GError", set()),
    (r"\bg_random_\w+\s*\(", "g_random_* is not a CSPRNG; use RAND_bytes / tok_secret_new_random", set()),
    (r"\b(sprintf|vsprintf|strcpy|strcat|gets)\s*\(", "unbounded string function", set()),
    (r"\bg_spawn_\w+\s*\(", "no spawning of helper programs from production code", set()),
    (r"\bmemcpy\s*\(", "raw memcpy; use TokReader / g_byte_array_append",
     {"common/tok-bytes.c", "common/tok-secret.c"}),
    (r"\b(DES_\w+|AES_encrypt|AES_decrypt|CMAC_CTX_new|HMAC_CTX_new|HMAC_Init_ex)\s*\(",
     "deprecated OpenSSL low-level API; use EVP", set()),
]

results = []

def report(name, problems):
    results.append((name, problems))

for pattern, why, allowed in BLOCKED:
    rx = re.compile(pattern)
    problems = []
    for p in sources(prod_dirs):
        rel = p.relative_to(root).as_posix()
        if rel in allowed:
            continue
        text = strip_comments_and_strings(p.read_text(encoding="utf-8"))
        for no, line in enumerate(text.splitlines(), 1):
            if rx.search(line):
                problems.append(f"{rel}:{no}: {why}")
    report(f"blocked token {pattern}", problems)

# headers: SPDX + #pragma once; sources: SPDX + config.h first
problems = []
for p in sources(all_dirs):
    rel = p.relative_to(root).as_posix()
    text = p.read_text(encoding="utf-8")
    if "SPDX-License-Identifier" not in "\n".join(text.splitlines()[:3]):
        problems.append(f"{rel}: no SPDX-License-Identifier in the first lines")
    if p.suffix == ".h" and "#pragma once" not in text:
        problems.append(f"{rel}: header without #pragma once")
    if p.suffix == ".c":
        includes = re.findall(r'^#include\s+[<"]([^>"]+)[>"]', text, flags=re.M)
        if includes and includes[0] != "config.h":
            problems.append(f"{rel}: config.h must be the first include")
report("file headers", problems)

# no mutable file-scope state (no globals): only const tables, quarks and signal/param arrays
problems = []
allowed_static = re.compile(r"^static\s+(const\b|GParamSpec\b|guint\s+signals\b|G_DEFINE)")
for p in sources(prod_dirs, (".c",)):
    rel = p.relative_to(root).as_posix()
    text = strip_comments_and_strings(p.read_text(encoding="utf-8"))
    for no, line in enumerate(text.splitlines(), 1):
        if line.startswith("static ") and "(" not in line.split("=")[0] and not allowed_static.match(line):
            if line.rstrip().endswith(";") or "=" in line:
                problems.append(f"{rel}:{no}: mutable file-scope variable (no globals)")
report("no mutable globals", problems)

# exported functions carry their file's prefix
problems = []
prefix_rx = re.compile(r"^([a-z][a-z0-9_]*)\s*\(", re.M)
for p in sources(prod_dirs, (".c",)):
    rel = p.relative_to(root).as_posix()
    stem = p.stem.replace("-", "_")
    prefix = stem.split("_")[0] + "_"
    text = strip_comments_and_strings(p.read_text(encoding="utf-8"))
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = prefix_rx.match(line)
        if not m or i == 0:
            continue
        prev = lines[i - 1]
        if prev.startswith("static") or prev.startswith("G_") or prev.strip() == "" or prev.startswith("#"):
            continue
        name = m.group(1)
        if name == "main":
            continue
        if not name.startswith(prefix):
            problems.append(f"{rel}:{i + 1}: exported function {name}() lacks the prefix {prefix}")
report("exported functions are prefixed", problems)

print(f"1..{len(results)}")
failed = 0
for i, (name, problems) in enumerate(results, 1):
    if problems:
        failed += 1
        print(f"not ok {i} - {name}")
        for pr in problems:
            print(f"# {pr}")
    else:
        print(f"ok {i} - {name}")
sys.exit(1 if failed else 0)
