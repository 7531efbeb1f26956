#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""po/POTFILES.in is complete and every file it lists exists, as TAP.

usage: check-potfiles.py [--write] SOURCE_ROOT

A file needs to be listed when it holds translatable strings:
  C sources and headers under client/, common/, server/: _( N_( C_( NC_( Q_( or a g_d*gettext call
    outside comments;
  GtkBuilder .ui files: an attribute translatable="yes" (or "true", "1");
  data/*.desktop.in, data/*.metainfo.xml.in, data/*.gschema.xml: always (their user-visible
    fields are translatable by nature).
Files named in po/POTFILES.skip (same format) are exempt. With --write, POTFILES.in is rewritten
with the files found (its comment header kept) and the check then runs on the new list.
"""
import pathlib
import re
import sys

args = [a for a in sys.argv[1:] if a != "--write"]
write = "--write" in sys.argv[1:]
root = pathlib.Path(args[0] if args else ".").resolve()
potfiles = root / "po" / "POTFILES.in"
skipfile = root / "po" / "POTFILES.skip"

CODE_DIRS = ["client", "common", "server"]
C_GETTEXT = re.compile(r"(?<![\w])(?:_|N_|C_|NC_|Q_|g_dgettext|g_dcgettext|g_dngettext|g_dpgettext2?)\s*\(")
UI_TRANSLATABLE = re.compile(r"""\btranslatable\s*=\s*["'](?:yes|true|1)["']""", re.I)
DATA_PATTERNS = ["*.desktop.in", "*.metainfo.xml.in", "*.gschema.xml"]


def strip_c_comments(text):
    """Comments out, string and character literals kept (a string cannot hold _( as code)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)  # the literal's content cannot be code
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def needs_listing(path):
    if path.suffix in (".c", ".h"):
        return bool(C_GETTEXT.search(strip_c_comments(path.read_text(encoding="utf-8", errors="replace"))))
    if path.suffix == ".ui":
        return bool(UI_TRANSLATABLE.search(path.read_text(encoding="utf-8", errors="replace")))
    return True  # data patterns


def candidates():
    for d in CODE_DIRS:
        base = root / d
        if base.is_dir():
            for p in sorted(base.rglob("*")):
                if p.is_file() and p.suffix in (".c", ".h", ".ui"):
                    yield p
    for pattern in DATA_PATTERNS:
        yield from sorted((root / "data").glob(pattern))


def read_list(path):
    entries = []
    if not path.exists():
        return entries
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            entries.append((no, line))
    return entries


required = sorted(p.relative_to(root).as_posix() for p in candidates() if needs_listing(p))
skipped = {e for _, e in read_list(skipfile)}

if write:
    header = [l for l in potfiles.read_text(encoding="utf-8").splitlines() if l.startswith("#")] \
        if potfiles.exists() else ["# Files with translatable strings, one per line"]
    body = [f for f in required if f not in skipped]
    potfiles.write_text("\n".join(header + body) + "\n", encoding="utf-8")

listed = read_list(potfiles)
listed_names = [e for _, e in listed]

results = []
missing = [f for f in required if f not in listed_names and f not in skipped]
results.append(("every file with translatable strings is in po/POTFILES.in",
                [f"{f}: has translatable strings but is not listed in po/POTFILES.in "
                 "(python3 po/check-potfiles.py --write . adds it)" for f in missing]))
results.append(("every file listed in po/POTFILES.in exists",
                [f"po/POTFILES.in:{no}: {e} does not exist" for no, e in listed if not (root / e).is_file()]))
seen, dups = set(), []
for no, e in listed:
    if e in seen:
        dups.append(f"po/POTFILES.in:{no}: {e} is listed twice")
    seen.add(e)
results.append(("no file is listed twice", dups))

print(f"1..{len(results)}")
failed = 0
for i, (name, problems) in enumerate(results, 1):
    print(("not ok" if problems else "ok") + f" {i} - {name}")
    for p in problems:
        print(f"# {p}")
    failed += bool(problems)
# listed files without strings are fine (a string may move), but say so
for e in listed_names:
    if (root / e).is_file() and e not in required:
        print(f"# note: {e} is listed but has no translatable strings now")
sys.exit(1 if failed else 0)
