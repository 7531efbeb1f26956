#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Brings the translations up to date with the sources:
#   1. rewrites po/POTFILES.in from the sources and checks it (po/check-potfiles.py);
#   2. regenerates the template po/esc.pot (meson target esc-pot) and merges it into every
#      po/LANG.po named in po/LINGUAS (target esc-update-po: msgmerge, so new strings come in
#      untranslated and changed ones fuzzy), dropping messages no source uses any more;
#   3. reports translated / fuzzy / untranslated counts per language, prints the messages that
#      need a translator, and exits 1 while any language is incomplete (meson test
#      check-translations fails in that state too).
#
# usage: contrib/update-translations.sh [BUILD_DIR]
#   BUILD_DIR defaults to build-translations and is configured (-Dtests=false) if it is not a
#   meson build directory yet; only the gettext targets run in it, nothing is compiled.
# Changes: po/POTFILES.in and po/LANG.po. po/esc.pot is deleted again at the end: the template
# is generated, not kept in git.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$top/build-translations}
cd "$top"

say() { printf '==> %s\n' "$*" >&2; }

say "po/POTFILES.in from the sources"
python3 po/check-potfiles.py --write "$top"

if [ ! -f "$build/build.ninja" ]; then
  say "configuring $build"
  meson setup "$build" -Dtests=false >/dev/null
fi

say "po/esc.pot and msgmerge into every po/LANG.po"
meson compile -C "$build" esc-pot >/dev/null
meson compile -C "$build" esc-update-po >/dev/null
rm -f po/esc.pot
# drop the messages no source uses any more (msgmerge keeps them as #~ entries)
while read -r lang; do
  msgattrib --no-obsolete -o "po/$lang.po" "po/$lang.po"
done < <(grep -v '^[[:space:]]*#' po/LINGUAS | tr -s '[:space:]' '\n' | grep -v '^$')

incomplete=0
while read -r lang; do
  po=po/$lang.po
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
  printf '%s: %s\n' "$po" "$stats"
  todo=0
  for word in 'fuzzy translation' 'untranslated message'; do
    n=$(printf '%s\n' "$stats" | sed -n "s/.*[^0-9]\([0-9][0-9]*\) $word.*/\1/p")
    todo=$((todo + ${n:-0}))
  done
  if [ "$todo" -gt 0 ]; then
    incomplete=1
    printf '%s: %s message(s) to translate:\n' "$po" "$todo"
    { msgattrib --untranslated --no-obsolete --no-wrap --no-location "$po"; \
      msgattrib --only-fuzzy --no-obsolete --no-wrap --no-location "$po"; } \
      | awk '/^msgid /{m=substr($0, 7); if (m == "\"\"") m=""; c=1; next} c && /^"/{m=m $0; next} c{c=0; if (m != "") print "  msgid " m}'
  fi
done < <(grep -v '^[[:space:]]*#' po/LINGUAS | tr -s '[:space:]' '\n' | grep -v '^$')

if [ "$incomplete" -ne 0 ]; then
  say "translations incomplete: edit the files above (clear the '#, fuzzy' flags you have checked), then rerun"
  exit 1
fi
say "every translation is complete"
