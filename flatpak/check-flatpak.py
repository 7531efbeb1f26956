#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What can be checked of the Flatpak manifest without a runtime or network, as TAP.

usage: check-flatpak.py MANIFEST SOURCE_ROOT BUILD_ROOT DESKTOP_FILE METAINFO_FILE

No GNOME runtime can be installed here and no source can be downloaded, so the manifest is not
built (see flatpak/README.md). Checked instead: flatpak-builder parses it with warnings fatal;
the sandbox permissions; the app id, command and icon agree with the desktop file, the metainfo
and the GSettings schema; the command is an executable this build installs; every module source
is pinned; the options given to this project exist in meson_options.txt.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "contrib"))
import esc_checks  # noqa: E402  (contrib/esc_checks.py: the TAP reporting and the desktop file)

APP_ID = "io.github.escproject.Esc"
REQUIRED_FINISH_ARGS = ["--socket=pcsc", "--share=network", "--socket=wayland", "--socket=fallback-x11",
                        "--device=dri", "--share=ipc"]
# permissions the app must not have: host files, the X11 socket without Wayland first, every
# device, the buses wholesale, the Flatpak portal's host command (a sandbox escape)
FORBIDDEN_FINISH_ARGS = [
    (re.compile(r"^--filesystem(=|$)"), "no host filesystem access (CA files come through the file chooser portal)"),
    (re.compile(r"^--socket=x11$"), "X11 only as --socket=fallback-x11"),
    (re.compile(r"^--device=(all|shm)$"), "no device access beyond --device=dri"),
    (re.compile(r"^--socket=(session-bus|system-bus)$"), "no whole-bus access"),
    (re.compile(r"^--talk-name=org\.freedesktop\.Flatpak$"), "no host command execution"),
    (re.compile(r"^--allow=devel$"), "no ptrace/perf in the shipped app"),
]
PCSC_MIN_VERSION = (2, 4, 1)  # first release with protocol fallbacks on both sides (README.md)
# releases whose client breaks against an older host pcscd (README.md, "Which pcsc-lite"): in
# backward mode a first SCardGetStatusChange fails SCARD_E_NO_SERVICE and the reader names that
# follow are garbled (checked against Debian 12's pcscd 1.9.9 and pcscd 2.3.0 / 2.4.1)
PCSC_BROKEN_VERSIONS = {"2.5.0", "2.5.1"}
MESON_BUILTIN_OPTIONS = {"werror", "buildtype", "optimization", "debug", "warning_level", "prefix",
                         "libdir", "default_library", "wrap_mode", "strip", "unity"}

manifest_path = pathlib.Path(sys.argv[1]).resolve()
source_root = pathlib.Path(sys.argv[2]).resolve()
build_root = pathlib.Path(sys.argv[3]).resolve()
desktop_path = pathlib.Path(sys.argv[4])
metainfo_path = pathlib.Path(sys.argv[5])

checks = esc_checks.Checks()
check = checks.check

def manifest():
    return json.loads(manifest_path.read_text(encoding="utf-8"))


def module(name):
    for m in manifest().get("modules", []):
        if isinstance(m, dict) and m.get("name") == name:
            return m
    raise KeyError(f"no module {name!r} in the manifest")


@check("flatpak-builder --show-manifest parses the manifest with warnings fatal")
def _(problems):
    fb = shutil.which("flatpak-builder")
    if fb is None:
        problems.append("flatpak-builder is not installed (Debian package flatpak-builder)")
        return None
    with tempfile.TemporaryDirectory(prefix="esc-flatpak-") as tmp:
        env = dict(os.environ, G_DEBUG="fatal-warnings", HOME=tmp, XDG_CACHE_HOME=tmp,
                   XDG_DATA_HOME=tmp, XDG_CONFIG_HOME=tmp)
        out = subprocess.run([fb, "--show-manifest", str(manifest_path)], cwd=tmp, env=env,
                             capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        problems.append(f"flatpak-builder exited {out.returncode}: {out.stderr.strip()}")
        return None
    shown = json.loads(out.stdout)
    if shown.get("id") != APP_ID:
        problems.append(f"the normalised manifest has id {shown.get('id')!r}")
    return None


@check("runtime: GNOME 43 (GTK 4.8, libadwaita 1.2), id and command")
def _(problems):
    m = manifest()
    want = {"id": APP_ID, "runtime": "org.gnome.Platform", "sdk": "org.gnome.Sdk", "runtime-version": "43"}
    for key, value in want.items():
        if m.get(key) != value:
            problems.append(f"{key} is {m.get(key)!r}, expected {value!r}")
    if "app-id" in m:
        problems.append("use 'id', not the old 'app-id'")
    if not m.get("command"):
        problems.append("no command")


@check("finish-args: --socket=pcsc, network, Wayland with X11 fallback, DRI, IPC; no host filesystem")
def _(problems):
    args = manifest().get("finish-args", [])
    for a in REQUIRED_FINISH_ARGS:
        if a not in args:
            problems.append(f"{a} missing")
    for a in args:
        for rx, why in FORBIDDEN_FINISH_ARGS:
            if rx.search(a):
                problems.append(f"{a}: {why}")
    if len(set(args)) != len(args):
        problems.append("a finish-arg is given twice")


def desktop_entry():
    return esc_checks.desktop_entry(desktop_path)


@check("app id agrees with the desktop file, the metainfo, the icons and the GSettings schema")
def _(problems):
    app_id = manifest().get("id")
    if desktop_path.name != f"{app_id}.desktop":
        problems.append(f"desktop file {desktop_path.name}, expected {app_id}.desktop")
    if desktop_entry().get("Icon") != app_id:
        problems.append(f"desktop Icon={desktop_entry().get('Icon')}, expected {app_id}")
    root = ET.parse(metainfo_path).getroot()
    if metainfo_path.name != f"{app_id}.metainfo.xml":
        problems.append(f"metainfo file {metainfo_path.name}, expected {app_id}.metainfo.xml")
    if root.findtext("id") != app_id:
        problems.append(f"metainfo <id> {root.findtext('id')!r}, expected {app_id!r}")
    if root.findtext("launchable") != f"{app_id}.desktop":
        problems.append(f"metainfo <launchable> {root.findtext('launchable')!r}, expected {app_id}.desktop")
    schema = source_root / "data" / f"{app_id}.gschema.xml"
    ids = [s.get("id") for s in ET.parse(schema).getroot().findall("schema")] if schema.exists() else []
    if app_id not in ids:
        problems.append(f"{schema.name}: no schema with id {app_id} (found {ids})")
    icons = source_root / "data" / "icons" / "hicolor"
    for icon in (icons / "scalable" / "apps" / f"{app_id}.svg", icons / "symbolic" / "apps" / f"{app_id}-symbolic.svg"):
        if not icon.exists():
            problems.append(f"{icon} missing (Flatpak exports only icons named after the app id)")


@check("command agrees with the desktop file's Exec and the metainfo's provided binary")
def _(problems):
    command = manifest().get("command")
    if desktop_entry().get("Exec") != command:
        problems.append(f"desktop Exec={desktop_entry().get('Exec')!r}, manifest command {command!r}")
    binaries = [e.text for e in ET.parse(metainfo_path).getroot().findall("provides/binary")]
    if command not in binaries:
        problems.append(f"metainfo provides binaries {binaries}, not {command!r}")


@check("command is an executable this build installs into bindir")
def _(problems):
    command = manifest().get("command")
    intro = build_root / "meson-info" / "intro-targets.json"
    targets = json.loads(intro.read_text(encoding="utf-8"))
    hits = [t for t in targets if t.get("type") == "executable" and t.get("name") == command]
    if not hits:
        if not (source_root / "client" / "gui" / "meson.build").exists():
            return f"client/gui/meson.build does not exist yet, so no {command!r} target"
        problems.append(f"no executable target named {command!r} in this build")
        return None
    for t in hits:
        if not t.get("installed"):
            problems.append(f"executable {command!r} ({t.get('defined_in')}) is not installed")
            continue
        for f in t.get("install_filename") or []:
            if pathlib.PurePosixPath(f).parent.name != "bin":
                problems.append(f"{command!r} installs to {f}, not into bindir")
    return None


@check("pcsc-lite module: pinned source of a release with protocol fallbacks, client library only")
def _(problems):
    m = module("pcsc-lite")
    opts = m.get("config-opts", [])
    for o in ("-Dlibsystemd=false", "-Dlibudev=false", "-Dpolkit=false", "-Dusb=false"):
        if o not in opts:
            problems.append(f"config-opts lack {o} (no daemon-side dependencies in the sandbox)")
    sources = m.get("sources", [])
    if len(sources) != 1:
        problems.append(f"{len(sources)} sources, expected one")
        return None
    s = sources[0]
    version = s.get("tag") if s.get("type") == "git" else re.search(r"pcsc-lite-([\d.]+)\.tar", s.get("url", ""))
    version = version if isinstance(version, str) or version is None else version.group(1)
    if not version or not re.fullmatch(r"\d+(\.\d+)+", version):
        problems.append(f"cannot tell the pcsc-lite version from {s}")
    elif tuple(int(x) for x in version.split(".")) < PCSC_MIN_VERSION:
        problems.append(f"pcsc-lite {version} predates 2.4.1: its client cannot fall back to the 4:4 "
                        "protocol of older hosts (flatpak/README.md)")
    elif version in PCSC_BROKEN_VERSIONS:
        problems.append(f"pcsc-lite {version}: its client garbles reader states against hosts older "
                        "than 2.5 (flatpak/README.md, \"Which pcsc-lite\")")
    if "/sbin" not in m.get("cleanup", []):
        problems.append("the daemon (/sbin/pcscd) is not cleaned up: the host's pcscd is used")


@check("every module source is pinned (git commit or sha256)")
def _(problems):
    for m in manifest().get("modules", []):
        for s in m.get("sources", []):
            t = s.get("type")
            if t == "git":
                if not re.fullmatch(r"[0-9a-f]{40}", s.get("commit", "")):
                    problems.append(f"{m.get('name')}: git source {s.get('url')} without a full commit id")
            elif t in ("archive", "file"):
                if "url" in s and not re.fullmatch(r"[0-9a-f]{64}", s.get("sha256", "")):
                    problems.append(f"{m.get('name')}: {s.get('url')} without sha256")
            elif t != "dir":
                problems.append(f"{m.get('name')}: source type {t!r} is not checked here")


@check("app module: builds this tree with -Dserver=false -Dtests=false, options that exist")
def _(problems):
    m = module(APP_ID.rsplit(".", 1)[1].lower())
    if m.get("buildsystem") != "meson":
        problems.append("the app module is not built with meson")
    dirs = [s for s in m.get("sources", []) if s.get("type") == "dir"]
    if not dirs or (manifest_path.parent / dirs[0]["path"]).resolve() != source_root:
        problems.append("the app module's dir source is not this source tree")
    opts = m.get("config-opts", [])
    for o in ("-Dserver=false", "-Dtests=false"):
        if o not in opts:
            problems.append(f"config-opts lack {o}")
    declared = set(re.findall(r"option\(\s*'([^']+)'", (source_root / "meson_options.txt").read_text(encoding="utf-8")))
    for o in opts:
        name = re.match(r"-D([^=]+)=", o)
        if not name:
            problems.append(f"{o}: not a -Dname=value option")
        elif name.group(1) not in declared and name.group(1) not in MESON_BUILTIN_OPTIONS \
                and not name.group(1).startswith("b_"):
            problems.append(f"{o}: no option {name.group(1)!r} in meson_options.txt")


checks.report()
