# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared parts of the file checkers that report as TAP (data/check-data.py,
flatpak/check-flatpak.py): named checks collected with a decorator, reported as TAP, and the
desktop file's [Desktop Entry] group.

A check is a function taking a list of problems to append to; it returns None, or a reason to
skip. An exception in it is a failure with its reason, not a traceback.
"""
import configparser
import sys


class Checks:
    def __init__(self):
        self.results = []

    def check(self, name):
        def wrap(fn):
            problems = []
            skip = None
            try:
                skip = fn(problems)
            except Exception as e:  # a broken file is a failure with its reason
                problems.append(f"{type(e).__name__}: {e}")
            self.results.append((name, problems, skip))
            return fn
        return wrap

    def report(self):
        """Prints the results as TAP and exits: 1 if any check failed, else 0."""
        print(f"1..{len(self.results)}")
        failed = 0
        for i, (name, problems, skip) in enumerate(self.results, 1):
            if problems:
                failed += 1
                print(f"not ok {i} - {name}")
                for p in problems:
                    print(f"# {p}")
            elif skip:
                print(f"ok {i} - {name} # SKIP {skip}")
            else:
                print(f"ok {i} - {name}")
        sys.exit(1 if failed else 0)


def desktop_entry(path):
    """The [Desktop Entry] group of the desktop file at @path (keys case-sensitive)."""
    cp = configparser.RawConfigParser(strict=True, delimiters=("=",), comment_prefixes=("#",))
    cp.optionxform = str
    cp.read_string(path.read_text(encoding="utf-8"))
    return cp["Desktop Entry"]
