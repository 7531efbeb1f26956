#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks of the desktop data that the stock validators do not make, as TAP.

usage: check-data.py DATA_SRC_DIR DESKTOP_FILE METAINFO_FILE DATA_BUILD_DIR PROJECT_VERSION

DESKTOP_FILE and METAINFO_FILE are the translated files made in the build directory.
"""
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "contrib"))
import esc_checks  # noqa: E402  (contrib/esc_checks.py: the TAP reporting and the desktop file)

APP_ID = "io.github.escproject.Esc"
COMMAND = "esc"
GETTEXT_DOMAIN = "esc"
SCHEMA_PATH = "/io/github/escproject/Esc/"
# key -> (type, default) as the client design fixes them
SCHEMA_KEYS = {
    "tps-url": ("s", "''"),
    "ca-file": ("s", "''"),
    "offer-enroll": ("b", "true"),
    "notify-on-card-events": ("b", "true"),
}
SCREENSHOT_URL_PREFIX = "https://raw.githubusercontent.com/escproject/esc/main/data/screenshots/"
SVG_NS = "{http://www.w3.org/2000/svg}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

src_dir = pathlib.Path(sys.argv[1])
desktop_path = pathlib.Path(sys.argv[2])
metainfo_path = pathlib.Path(sys.argv[3])
build_dir = pathlib.Path(sys.argv[4])
project_version = sys.argv[5]
po_dir = src_dir.parent / "po"

checks = esc_checks.Checks()
check = checks.check

def linguas():
    langs = []
    for line in (po_dir / "LINGUAS").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            langs += line.split()
    return langs


def read_desktop():
    return esc_checks.desktop_entry(desktop_path)


@check("desktop file: Exec, Icon, no absolute paths, startup and activation keys")
def _(problems):
    entry = read_desktop()
    if entry.get("Exec") != COMMAND:
        problems.append(f"Exec is {entry.get('Exec')!r}, expected {COMMAND!r} (no path, no arguments)")
    if entry.get("Icon") != APP_ID:
        problems.append(f"Icon is {entry.get('Icon')!r}, expected the app id {APP_ID!r}")
    for key, value in entry.items():
        if "/" in value and key.split("[")[0] in ("Exec", "TryExec", "Icon", "Path"):
            problems.append(f"{key}={value}: no absolute or relative paths in a desktop file")
    for key, want in (("StartupNotify", "true"), ("DBusActivatable", "false"), ("Terminal", "false"),
                      ("Type", "Application")):
        if entry.get(key) != want:
            problems.append(f"{key} is {entry.get(key)!r}, expected {want!r}")
    cats = [c for c in entry.get("Categories", "").split(";") if c]
    if "GTK" not in cats or "Security" not in cats:
        problems.append(f"Categories {cats} lack GTK or Security")
    if not entry.get("Keywords", "").endswith(";"):
        problems.append("Keywords must end with ';'")


@check("desktop file: translated into every language of po/LINGUAS")
def _(problems):
    entry = read_desktop()
    for lang in linguas():
        for key in ("Name", "GenericName", "Comment", "Keywords"):
            if f"{key}[{lang}]" not in entry:
                problems.append(f"{key}[{lang}] missing: is {lang}.po complete and merged?")


@check("metainfo: id, launchable, binary, gettext domain, current release")
def _(problems):
    root = ET.parse(metainfo_path).getroot()
    if root.tag != "component" or root.get("type") != "desktop-application":
        problems.append("root is not <component type=\"desktop-application\">")
    if root.findtext("id") != APP_ID:
        problems.append(f"<id> is {root.findtext('id')!r}, expected {APP_ID!r}")
    launchables = [(e.get("type"), e.text) for e in root.findall("launchable")]
    if launchables != [("desktop-id", APP_ID + ".desktop")]:
        problems.append(f"launchable is {launchables}, expected the desktop id {APP_ID}.desktop")
    binaries = [e.text for e in root.findall("provides/binary")]
    if binaries != [COMMAND]:
        problems.append(f"provides/binary is {binaries}, expected [{COMMAND!r}]")
    translation = root.find("translation")
    if translation is None or translation.get("type") != "gettext" or translation.text != GETTEXT_DOMAIN:
        problems.append(f"<translation type=\"gettext\">{GETTEXT_DOMAIN}</translation> missing")
    if root.find("content_rating") is None:
        problems.append("<content_rating> missing")
    releases = root.findall("releases/release")
    if not releases:
        problems.append("no <release>")
    elif releases[0].get("version") != project_version:
        problems.append(f"newest release is {releases[0].get('version')}, the project is {project_version}: "
                        "add a <release> for it")
    for lang in linguas():
        for tag in ("name", "summary"):
            if not any(e.get(XML_LANG) == lang for e in root.findall(tag)):
                problems.append(f"<{tag} xml:lang=\"{lang}\"> missing: is {lang}.po complete and merged?")


def screenshot_files():
    root = ET.parse(metainfo_path).getroot()
    names = []
    for image in root.findall("screenshots/screenshot/image"):
        url = (image.text or "").strip()
        if not url.startswith(SCREENSHOT_URL_PREFIX):
            raise ValueError(f"screenshot {url} is not under {SCREENSHOT_URL_PREFIX}")
        names.append(url[len(SCREENSHOT_URL_PREFIX):])
    return names


@check("metainfo: screenshots name files of data/screenshots/")
def _(problems):
    names = screenshot_files()
    if len(names) < 1:
        problems.append("no screenshot")
    for n in names:
        if not re.fullmatch(r"[a-z0-9-]+\.png", n):
            problems.append(f"screenshot file name {n!r} is not lower-case-words.png")


@check("screenshots: the files exist and are PNG images of a sensible size")
def _(problems):
    missing = []
    for n in screenshot_files():
        p = src_dir / "screenshots" / n
        if not p.exists():
            missing.append(n)
            continue
        head = p.read_bytes()[:24]
        if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
            problems.append(f"{p}: not a PNG file")
            continue
        width, height = struct.unpack(">II", head[16:24])
        if width < 360 or height < 300 or width > 3840 or height > 2160:
            problems.append(f"{p}: {width}x{height} is not a window-sized screenshot")
    if missing and not problems:
        return "not taken yet (the GUI test writes them): " + ", ".join(missing)
    return None


@check("schema: id, path, gettext domain, keys with type, default, summary and description")
def _(problems):
    root = ET.parse(src_dir / f"{APP_ID}.gschema.xml").getroot()
    if root.get("gettext-domain") != GETTEXT_DOMAIN:
        problems.append(f"<schemalist gettext-domain> is {root.get('gettext-domain')!r}, expected {GETTEXT_DOMAIN!r}")
    schemas = root.findall("schema")
    if [s.get("id") for s in schemas] != [APP_ID]:
        problems.append(f"schemas {[s.get('id') for s in schemas]}, expected one with id {APP_ID}")
        return None
    schema = schemas[0]
    if schema.get("path") != SCHEMA_PATH:
        problems.append(f"schema path is {schema.get('path')!r}, expected {SCHEMA_PATH!r}")
    keys = {k.get("name"): k for k in schema.findall("key")}
    if set(keys) != set(SCHEMA_KEYS):
        problems.append(f"keys {sorted(keys)}, expected {sorted(SCHEMA_KEYS)}")
    for name, (typ, default) in SCHEMA_KEYS.items():
        k = keys.get(name)
        if k is None:
            continue
        if k.get("type") != typ or (k.findtext("default") or "").strip() != default:
            problems.append(f"{name}: type {k.get('type')} default {k.findtext('default')}, expected {typ} {default}")
        for tag in ("summary", "description"):
            if not (k.findtext(tag) or "").strip():
                problems.append(f"{name}: no <{tag}>")
        if "dconf" not in (k.findtext("description") or ""):
            problems.append(f"{name}: the description does not say how administrators lock it (dconf)")


@check("schema: compiled into the build directory and readable there")
def _(problems):
    compiled = build_dir / "gschemas.compiled"
    if not compiled.exists():
        problems.append(f"{compiled} missing (gnome.compile_schemas)")
        return None
    gsettings = shutil.which("gsettings")
    if gsettings is None:
        return "gsettings is not installed"
    env = {"GSETTINGS_SCHEMA_DIR": str(build_dir), "GSETTINGS_BACKEND": "memory", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([gsettings, "list-recursively", APP_ID], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        problems.append(f"gsettings list-recursively failed: {out.stderr.strip()}")
        return None
    got = {line.split()[1]: line.split(None, 2)[2] for line in out.stdout.splitlines() if line.strip()}
    for name, (_typ, default) in SCHEMA_KEYS.items():
        if got.get(name) != default:
            problems.append(f"{name} reads {got.get(name)!r} from the compiled schema, expected {default!r}")
    return None


@check("schema: an administrator's dconf defaults apply and dconf locks make keys read-only")
def _(problems):
    dconf, gsettings = shutil.which("dconf"), shutil.which("gsettings")
    if dconf is None or gsettings is None:
        return "dconf or gsettings is not installed (Debian packages dconf-cli, libglib2.0-bin)"
    # the layout of /etc/dconf/db/site.d (README.md, "Settings for administrators"), compiled into
    # a file-db that a private DCONF_PROFILE names, so that no root and no /etc is needed
    site = {"tps-url": "'https://tps.example.com:8443/tps/tps'", "offer-enroll": "false"}
    locked = ["tps-url", "ca-file"]
    with tempfile.TemporaryDirectory(prefix="esc-dconf-") as tmp:
        t = pathlib.Path(tmp)
        (t / "site.d" / "locks").mkdir(parents=True)
        (t / "run").mkdir(mode=0o700)
        (t / "site.d" / "00-esc").write_text(
            "[io/github/escproject/Esc]\n" + "".join(f"{k}={v}\n" for k, v in site.items()), encoding="utf-8")
        (t / "site.d" / "locks" / "esc").write_text(
            "".join(f"{SCHEMA_PATH}{k}\n" for k in locked), encoding="utf-8")
        out = subprocess.run([dconf, "compile", str(t / "site"), str(t / "site.d")], capture_output=True, text=True)
        if out.returncode != 0:
            problems.append(f"dconf compile failed: {out.stderr.strip()}")
            return None
        (t / "profile").write_text(f"user-db:user\nfile-db:{t / 'site'}\n", encoding="utf-8")
        env = {"DCONF_PROFILE": str(t / "profile"), "GSETTINGS_BACKEND": "dconf",
               "GSETTINGS_SCHEMA_DIR": str(build_dir), "XDG_CONFIG_HOME": str(t / "config"),
               "XDG_RUNTIME_DIR": str(t / "run"), "HOME": tmp, "PATH": "/usr/bin:/bin"}

        def gs(*args):
            r = subprocess.run([gsettings, *args], env=env, capture_output=True, text=True)
            return r.stdout.strip() if r.returncode == 0 else f"error: {r.stderr.strip()}"

        for key, (_typ, default) in SCHEMA_KEYS.items():
            want_value = site.get(key, default)
            want_writable = "false" if key in locked else "true"
            value, writable = gs("get", APP_ID, key), gs("writable", APP_ID, key)
            if value != want_value:
                problems.append(f"{key} reads {value!r} under the site database, expected {want_value!r} "
                                "(is the dconf GSettings backend installed?)")
            if writable != want_writable:
                problems.append(f"{key}: writable is {writable!r}, expected {want_writable} "
                                f"({'locked' if key in locked else 'not locked'})")
    return None


def svg_problems(path, size, symbolic):
    problems = []
    root = ET.parse(path).getroot()
    if root.tag != SVG_NS + "svg":
        return [f"{path}: root element is {root.tag}, not svg"]
    if root.get("viewBox") != f"0 0 {size} {size}" or root.get("width") != str(size) or root.get("height") != str(size):
        problems.append(f"{path}: expected width/height {size} and viewBox '0 0 {size} {size}'")
    colours = set()
    for el in root.iter():
        tag = el.tag.replace(SVG_NS, "")
        if tag in ("image", "script", "foreignObject", "use"):
            problems.append(f"{path}: <{tag}> is not allowed in an icon")
        for attr, value in el.attrib.items():
            if attr.endswith("href") or "url(" in value and not value.startswith("url(#"):
                problems.append(f"{path}: external reference {attr}={value}")
            if attr in ("fill", "stroke", "stop-color") and value not in ("none",) and not value.startswith("url("):
                colours.add(value.lower())
            if attr == "style":
                problems.append(f"{path}: use presentation attributes, not style=")
    if symbolic:
        if len(colours) != 1:
            problems.append(f"{path}: a symbolic icon has one colour, found {sorted(colours)}")
        if any(el.tag.endswith("Gradient") for el in root.iter()):
            problems.append(f"{path}: a symbolic icon has no gradients")
    return problems


@check("icons: scalable 128x128 and symbolic 16x16, well-formed, self-contained, symbolic in one colour")
def _(problems):
    icons = src_dir / "icons" / "hicolor"
    problems += svg_problems(icons / "scalable" / "apps" / f"{APP_ID}.svg", 128, False)
    problems += svg_problems(icons / "symbolic" / "apps" / f"{APP_ID}-symbolic.svg", 16, True)


checks.report()
