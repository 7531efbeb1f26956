#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every translation in po/LINGUAS is valid and complete, as TAP.

usage: check-translations.py SOURCE_ROOT

For each language two tests:
  1. msgfmt --check --statistics accepts LANG.po and reports no untranslated and no fuzzy message;
  2. LANG.po translates every message of the current sources: xgettext runs over POTFILES.in
     into a temporary template (the arguments of meson's i18n preset 'glib', as the esc-pot target
     uses them) and msgcmp checks that each of its messages has a translation that is not fuzzy.
If 2 fails, strings changed after the last update: run contrib/update-translations.sh and
translate what it reports.
"""
import pathlib
import re
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
po_dir = root / "po"
DOMAIN = "esc"

# meson 1.0's i18n PRESET_ARGS['glib'] plus what its gettext script adds (-k_)
XGETTEXT_ARGS = [
    "--from-code=UTF-8", "--add-comments", "-k_",
    "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format", "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format", "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format", "--flag=g_log:3:c-format",
    "--flag=g_print:1:c-format", "--flag=g_printerr:1:c-format", "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format", "--flag=g_snprintf:3:c-format",
]


def linguas():
    langs = []
    for line in (po_dir / "LINGUAS").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            langs += line.split()
    return langs


results = []


def statistics(lang):
    po = po_dir / f"{lang}.po"
    if not po.exists():
        return [f"{po} does not exist but {lang} is in po/LINGUAS"]
    out = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
                         capture_output=True, text=True, env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    report = (out.stdout + out.stderr).strip()
    problems = []
    if out.returncode != 0:
        problems.append(f"msgfmt --check failed: {report}")
    m = re.search(r"(\d+) translated messages?", report)
    if not m or int(m.group(1)) == 0:
        problems.append(f"no translated message: {report}")
    for word in ("fuzzy", "untranslated"):
        m = re.search(rf"(\d+) {word} translations?", report)
        if m and int(m.group(1)) > 0:
            problems.append(f"{m.group(0)} in {lang}.po ({report})")
    return problems


def template(tmp):
    pot = pathlib.Path(tmp) / f"{DOMAIN}.pot"
    out = subprocess.run(["xgettext", f"--package-name={DOMAIN}", "-f", str(po_dir / "POTFILES.in"),
                          "-D", str(root), "-o", str(pot)] + XGETTEXT_ARGS,
                         capture_output=True, text=True, cwd=root)
    if out.returncode != 0:
        raise RuntimeError(f"xgettext failed: {out.stderr.strip()}")
    return pot


def up_to_date(lang, pot):
    po = po_dir / f"{lang}.po"
    if not po.exists():
        return [f"{po} does not exist"]
    if not pot.exists():  # xgettext writes nothing when there is no message at all
        return []
    out = subprocess.run(["msgcmp", str(po), str(pot)], capture_output=True, text=True,
                         env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    if out.returncode == 0:
        return []
    lines = [l for l in out.stderr.splitlines() if l.strip()]
    n = sum("this message" in l for l in lines)
    return [f"{n} message(s) of the sources have no (or only a fuzzy) {lang} translation; "
            "run contrib/update-translations.sh and translate them"] + lines[:40]


with tempfile.TemporaryDirectory(prefix="esc-po-") as tmp:
    try:
        pot = template(tmp)
        pot_error = None
    except (RuntimeError, OSError) as e:
        pot, pot_error = None, str(e)
    for lang in linguas():
        results.append((f"{lang}.po: msgfmt --check, 0 untranslated, 0 fuzzy", statistics(lang)))
        results.append((f"{lang}.po: translates every message of the current sources",
                        [pot_error] if pot_error else up_to_date(lang, pot)))

if not results:
    results.append(("po/LINGUAS names at least one language", ["po/LINGUAS is empty"]))

print(f"1..{len(results)}")
failed = 0
for i, (name, problems) in enumerate(results, 1):
    print(("not ok" if problems else "ok") + f" {i} - {name}")
    for p in problems:
        print(f"# {p}")
    failed += bool(problems)
sys.exit(1 if failed else 0)
