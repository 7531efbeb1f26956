#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives the desktop app `esc` like a person, through the accessibility tree (AT-SPI, dogtail).

Run by test-gui.sh inside Xvfb + a private session bus, with a private pcscd + vpcd already
started (th-pcsc.sh; $TH_PCSC_DIR, $PCSCLITE_CSOCK_NAME). This script starts the rest itself:
tpsd on loopback (embedded defaults, a fresh state directory, port 0), esc-vcard as the card in
slot 0 (it kills and restarts it), and esc with --tps-url and --ca-file (tpsd's certificate).

Modes:
  operations  find the token, Enroll (the server's login form, the new PIN twice), success, the
              token shows as enrolled with two certificates, a certificate's details, Reset PIN;
              then the card pulled out mid-enrollment (a clear error, the window stays usable,
              the card comes back) and the server down (a clear error). Screenshots of the main
              states (the app's own rendering, $ESC_SNAPSHOT_DIR) go to $ESC_GUI_SCREENSHOT_DIR.
  locale      the same app in $ESC_GUI_LANGUAGE (LANGUAGE=de, LANG=C.UTF-8): visits the main
              window, the token page, the login form, the preferences and the diagnostics and
              fails if one of the app's English strings is still shown there.

Output is TAP; a failure prints the accessibility tree of the app and the end of its log.
"""
import ctypes
import gettext
import os
import signal
import subprocess
import sys
import threading
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else 'operations'
W = os.environ['GUI_TEST_DIR']
ESC = os.environ['ESC_GUI']
TPSD = os.environ['TPS_TEST_TPSD']
VCARD = os.environ['TH_ESC_VCARD']
PCSC_DIR = os.environ['TH_PCSC_DIR']
PCSC_WAIT = os.environ.get('TH_PCSC_WAIT', '')
SHOTS = os.environ.get('ESC_GUI_SCREENSHOT_DIR') or os.path.join(W, 'screenshots')
LOCALEDIR = os.environ.get('ESC_LOCALEDIR', '')
LANGUAGE = os.environ.get('ESC_GUI_LANGUAGE', 'de')
READER = 'Virtual PCD 00 00'
VPCD_PORT = 35963
PIN_1 = '24681357'
PIN_2 = '97531864'
SITE_URL = 'https://tps.example.com:8443/tps/tps'
OPERATION_TIMEOUT = float(os.environ.get('ESC_GUI_OPERATION_TIMEOUT', '300'))
TPSD_CONFIG = ('[tokendb]\n'
               'default-policy=RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=YES;RESET_PIN_RESET_TO_NO=NO\n')

# The app's own strings (msgids, mnemonics included) that must not be left untranslated on the
# pages the locale mode visits. Those translated to the same word ("Status") are skipped.
ENGLISH = [
    'Smart Cards', 'Main Menu', 'Details', 'Owner', 'Issuer', 'Reader', 'Card ID (CUID)',
    'Serial number', 'Applet version', 'Certificates', 'No certificates on this card',
    '_Enroll…', '_Reset PIN…', '_Format…', 'Formatted (not enrolled)', 'Log In', '_Log In', '_Cancel',
    'Log In to the Server', 'Keep the card in the reader until the operation is finished.',
    'Enrollment Failed', 'The operation was cancelled.', '_Close',
    'General', 'Server', 'Cards', '_Server address', 'Extra _CA certificates',
    '_Offer to enroll new cards', '_Notify when cards are inserted or removed',
    'When a card that is not enrolled is inserted', 'While the window is hidden',
    'Used for cards that do not name their own server.', 'Diagnostics', '_Copy', '_Save…',
    'Refresh', 'This report helps your helpdesk. It contains no PIN, password or key.',
    'Diagnostics report', 'Progress',
]

if MODE == 'locale':
    os.environ['LANGUAGE'] = LANGUAGE
    os.environ['LANG'] = 'C.UTF-8'
    CATALOG = gettext.translation('esc', localedir=LOCALEDIR, languages=[LANGUAGE])
else:
    CATALOG = gettext.NullTranslations()


def _(text):
    """The app's text as the app shows it (translated in the locale mode)."""
    return CATALOG.gettext(text)


def shown(text):
    """A label as shown and as its accessible name: translated, without the mnemonic mark."""
    return _(text).replace('_', '')


def mnemonic(text):
    """The mnemonic letter of a translated label with an underscore ("C_onfirm PIN" → "o")."""
    translated = _(text)
    i = translated.find('_')
    return translated[i + 1].lower() if 0 <= i < len(translated) - 1 else None


class Failure(Exception):
    pass


# TAP to $GUI_TAP_FD (test-gui.sh keeps its stdout there); anything else printed goes to stderr
TAP = os.fdopen(int(os.environ['GUI_TAP_FD']), 'w', buffering=1) if os.environ.get('GUI_TAP_FD') else sys.stdout
if TAP is not sys.stdout:
    os.dup2(2, 1)


def tap(line):
    TAP.write(line + '\n')
    TAP.flush()


# ---- processes -------------------------------------------------------------------------------

LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def die_with_parent():
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Tpsd:
    def __init__(self):
        self.lines = []
        self.cond = threading.Condition()
        self.state = os.path.join(W, 'tps-state')
        config = os.path.join(W, 'tpsd.conf')
        with open(config, 'w') as f:
            f.write(TPSD_CONFIG)
        self.log = open(os.path.join(W, 'tpsd.log'), 'w')
        self.proc = subprocess.Popen(['stdbuf', '-oL', '-eL', TPSD, '--config', config, '--state-dir', self.state,
                                      '--port', '0'],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     preexec_fn=die_with_parent)
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_line('listening on https://', 180)
        # "tpsd: listening on https://127.0.0.1:PORT/tps/tps (state in DIR)"
        self.url = line.split('listening on ', 1)[1].split(' ', 1)[0]
        demo = self.wait_line('created the demo user', 5)
        self.password = demo.split('with the password "', 1)[1].split('"', 1)[0]
        self.ca_file = os.path.join(self.state, 'tls', 'server.crt')

    def _read(self):
        for line in self.proc.stdout:
            self.log.write(line)
            self.log.flush()
            with self.cond:
                self.lines.append(line.rstrip('\n'))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def wait_line(self, needle, timeout):
        end = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for line in self.lines[seen:]:
                    if line is None:
                        raise Failure('tpsd exited before printing "%s"' % needle)
                    if needle in line:
                        return line
                seen = len(self.lines)
                left = end - time.monotonic()
                if left <= 0:
                    raise Failure('tpsd did not print "%s" in %d s' % (needle, timeout))
                self.cond.wait(left)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Card:
    """esc-vcard in slot 0 of the private pcscd (inside its network namespace, as th-pcsc.sh)."""

    def __init__(self):
        self.state = os.path.join(W, 'card-0.state')
        self.proc = None

    def insert(self):
        with open(os.path.join(PCSC_DIR, 'pcscd.pid')) as f:
            pcscd = f.read().strip()
        log = open(os.path.join(W, 'card-0.log'), 'a')
        self.proc = subprocess.Popen(['setpriv', '--pdeathsig', 'KILL', 'nsenter', '--target', pcscd, '--net', '--',
                                      VCARD, '--state', self.state, '--port', str(VPCD_PORT)],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.wait('present')

    def pull(self):
        """The card leaves the reader abruptly (the process dies, vpcd reports no card)."""
        self.proc.kill()
        self.proc.wait()
        self.wait('absent')

    def wait(self, want):
        if PCSC_WAIT:
            r = subprocess.run([PCSC_WAIT, READER, want, '20000'], capture_output=True, text=True)
            if r.returncode != 0:
                raise Failure('the card in %s is not %s: %s' % (READER, want, r.stderr.strip()))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Notifications:
    """esc-gui-notifications.py: records what the app sends to the desktop's notification server."""

    def __init__(self):
        self.path = os.path.join(W, 'notifications.jsonl')
        open(self.path, 'w').close()
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'esc-gui-notifications.py')
        self.proc = subprocess.Popen([sys.executable, script, self.path], stdout=subprocess.PIPE, text=True,
                                     preexec_fn=die_with_parent)
        if self.proc.stdout.readline().strip() != 'ready':
            raise Failure('the stand-in notification server did not start')

    def titles(self):
        import json
        with open(self.path) as f:
            return [json.loads(line)['title'] for line in f if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class App:
    def __init__(self, tpsd, extra_env=None, name=MODE):
        env = dict(os.environ)
        env['ESC_SNAPSHOT_DIR'] = SHOTS
        env.update(extra_env or {})
        self.log_path = os.path.join(W, 'esc-%s.log' % name)
        self.log = open(self.log_path, 'w')
        args = [ESC] if tpsd is None else [ESC, '--tps-url', tpsd.url, '--ca-file', tpsd.ca_file]
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     preexec_fn=die_with_parent)

    def log_tail(self, n=40):
        try:
            with open(self.log_path) as f:
                return f.read().splitlines()[-n:]
        except OSError:
            return []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---- dogtail helpers -------------------------------------------------------------------------

subprocess.run(['gsettings', 'set', 'org.gnome.desktop.interface', 'toolkit-accessibility', 'true'], check=True)
from dogtail import config as dogtail_config  # noqa: E402 (needs the setting above)
dogtail_config.logDebugToFile = False
dogtail_config.logDebugToStdOut = False
dogtail_config.searchCutoffCount = 1
from dogtail import rawinput, tree  # noqa: E402

import gi  # noqa: E402
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402


def wait_for(what, fn, timeout=30):
    end = time.monotonic() + timeout
    while True:
        try:
            result = fn()
        except Exception:  # the tree changes under our feet: nodes go away
            result = None
        if result:
            return result
        if time.monotonic() > end:
            raise Failure('timed out after %d s waiting for %s' % (timeout, what))
        time.sleep(0.2)


def find(root, pred):
    return root.findChild(pred, retry=False, requireResult=False)


def find_all(root, pred):
    return root.findChildren(pred)


def label_named(root, text):
    return find(root, lambda n: n.roleName == 'label' and n.name == text)


def button(root, text):
    """A push button by its label; GTK 4.8 names mnemonic buttons "_Label Label"."""
    plain = text.replace('_', '')
    return find(root, lambda n: n.roleName in ('push button', 'toggle button') and
                (n.name == plain or n.name.endswith(' ' + plain)))


def click(root, text, timeout=30):
    b = wait_for('button "%s"' % text, lambda: button(root, text), timeout)
    wait_for('button "%s" to be enabled' % text, lambda: b.sensitive, timeout)
    b.doActionNamed('click')


def window(app, title, timeout=30):
    """A toplevel of the app by its title (frames, and AdwWindow dialogs, which are fillers)."""
    return wait_for('window "%s"' % title, lambda: next((c for c in app.children if c.name == title), None), timeout)


def window_gone(app, title, timeout=30):
    wait_for('window "%s" to close' % title, lambda: all(c.name != title for c in app.children), timeout)


def text_length(node):
    return node.queryText().characterCount


def set_entry(node, text):
    """A plain entry gets its text through AT-SPI EditableText."""
    if not node.queryEditableText().setTextContents(text) or text_length(node) != len(text):
        raise Failure('could not type into "%s"' % node.name)


def type_with_mnemonic(app_node, entry, key, text):
    """Password entries have no EditableText: focus them with their mnemonic, then type. The
    mnemonic is pressed again if the window did not have the keyboard yet (it was just shown)."""
    for attempt in range(10):
        rawinput.keyCombo('<Alt>%s' % key)
        try:
            wait_for('focus in "%s"' % entry.name, lambda: entry.focused, 2)
            break
        except Failure:
            if attempt == 9:
                raise
    rawinput.typeText(text)
    wait_for('%d characters in "%s"' % (len(text), entry.name), lambda: text_length(entry) == len(text), 10)


def snapshot(name):
    """The app saves a PNG of its front window (ESC_SNAPSHOT_DIR) a few frames later."""
    path = os.path.join(SHOTS, name + '.png')
    if os.path.exists(path):
        os.unlink(path)
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    bus.call_sync('io.github.escproject.Esc', '/io/github/escproject/Esc', 'org.gtk.Actions', 'Activate',
                  GLib.Variant('(sava{sv})', ('snapshot', [GLib.Variant('s', name)], {})), None,
                  Gio.DBusCallFlags.NONE, 10000, None)
    wait_for('screenshot %s' % path, lambda: os.path.exists(path), 20)


def token_row(app, timeout=60):
    return wait_for('the token row of %s' % READER,
                    lambda: find(app, lambda n: n.roleName == 'list item' and READER in n.name), timeout)


def detail_value(app, title):
    """The value shown in the token page's details row @title."""
    row = find(app, lambda n: n.roleName == 'list item' and n.name == _(title))
    if row is None:
        return None
    labels = [n.name for n in find_all(row, lambda n: n.roleName == 'label')]
    return labels[1] if len(labels) > 1 else None


def certificates(app):
    lst = find(app, lambda n: n.roleName == 'list' and n.name == _('Certificates'))
    return [] if lst is None else [c for c in lst.children if c.roleName == 'list item']


def dump(node, out, depth=0):
    try:
        line = '%s%s %r' % ('  ' * depth, node.roleName, node.name)
        if node.description:
            line += ' desc=%r' % node.description
        out.append(line)
        for child in node.children:
            dump(child, out, depth + 1)
    except Exception as e:  # a node that went away
        out.append('%s(gone: %s)' % ('  ' * depth, e))


# ---- the flows ---------------------------------------------------------------------------------

def log_in(app, tpsd):
    login = window(app, _('Log In'))
    # the server's form: its title and fields (tpsd's embedded defaults)
    wait_for('the server\'s login title', lambda: label_named(login, 'LDAP Authentication'))
    uid = wait_for('the user ID entry', lambda: find(login, lambda n: n.roleName == 'text' and n.name == 'LDAP User ID'))
    password = find(login, lambda n: n.roleName == 'password text' and n.name == 'LDAP Password')
    if password is None:
        raise Failure('the login form has no password entry "LDAP Password"')
    set_entry(uid, 'demo')
    type_with_mnemonic(login, password, 'p', tpsd.password)
    return login


def new_pin(app, pin):
    dialog = window(app, _('New PIN'), OPERATION_TIMEOUT)
    pin_entry = wait_for('the new PIN entry', lambda: find(dialog, lambda n: n.roleName == 'password text' and
                                                               n.name == _('_New PIN').replace('_', '')))
    confirm = find(dialog, lambda n: n.roleName == 'password text' and n.name == _('C_onfirm PIN').replace('_', ''))
    type_with_mnemonic(dialog, pin_entry, mnemonic('_New PIN'), pin)
    type_with_mnemonic(dialog, confirm, mnemonic('C_onfirm PIN'), pin)
    # the strength hint follows what was typed
    wait_for('the strength hint', lambda: find(dialog, lambda n: n.roleName == 'label' and
                                                n.name.startswith(_('Strength: %s').split('%s')[0])), 10)
    click(dialog, _('_Set PIN'))
    window_gone(app, _('New PIN'))


def operation_result(app, title, success_heading, timeout=OPERATION_TIMEOUT):
    dialog = window(app, title, 60)
    wait_for('"%s"' % success_heading, lambda: label_named(dialog, success_heading), timeout)
    return dialog


def close_operation(app, dialog, title):
    click(dialog, _('_Close'))
    window_gone(app, title)


def run_background(app, tpsd, card, notifications, step):
    """--background: closing the window hides it; card events are notified; esc shows it again."""
    frame = window(app, _('Smart Cards'))
    subprocess.run([ESC, '--background'], check=True, timeout=60, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    close = find(frame, lambda n: n.roleName == 'push button' and n.name == 'Close' and
                 n.description == 'Close the window')
    if close is None:
        raise Failure('the window has no Close button')
    close.doActionNamed('click')
    wait_for('the window to hide', lambda: not frame.showing, 20)
    card.pull()
    wait_for('the "card removed" notification', lambda: _('Smart Card Removed') in notifications.titles(), 30)
    card.insert()
    wait_for('the "card inserted" notification', lambda: _('Smart Card Inserted') in notifications.titles(), 30)
    subprocess.run([ESC], check=True, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the window's accessible object may be a new one after it was hidden
    wait_for('the window to come back',
             lambda: any(c.name == _('Smart Cards') and c.showing for c in app.children), 20)
    token_row(app)
    step('in the background the window hides on close, card removal and insertion are notified, '
         'esc shows the window again')


def locked_dconf_profile():
    """An administrator's site defaults with tps-url and ca-file locked, as a dconf file-db named
    by a private DCONF_PROFILE (the layout of /etc/dconf/db/site.d, without root)."""
    site = os.path.join(W, 'dconf-site.d')
    os.makedirs(os.path.join(site, 'locks'), exist_ok=True)
    with open(os.path.join(site, 'esc'), 'w') as f:
        f.write("[io/github/escproject/Esc]\ntps-url='%s'\nca-file=''\n" % SITE_URL)
    with open(os.path.join(site, 'locks', 'esc'), 'w') as f:
        f.write('/io/github/escproject/Esc/tps-url\n/io/github/escproject/Esc/ca-file\n')
    db = os.path.join(W, 'dconf-site')
    subprocess.run(['dconf', 'compile', db, site], check=True)
    profile = os.path.join(W, 'dconf-profile')
    with open(profile, 'w') as f:
        f.write('user-db:user\nfile-db:%s\n' % db)
    return profile


def run_lockdown(step):
    """The preferences with keys an administrator locked: shown, greyed out, with a note."""
    if not os.environ.get('GSETTINGS_SCHEMA_DIR'):
        tap('ok %d - lockdown # SKIP the settings schema is not compiled into the build tree' % step(None))
        return
    app = App(None, {'DCONF_PROFILE': locked_dconf_profile()}, 'lockdown')
    try:
        node = wait_for('the app on the accessibility bus', lambda: tree.root.application('esc'), 60)
        window(node, _('Smart Cards'))
        rawinput.keyCombo('<Control>comma')
        prefs = wait_for('the preferences', lambda: next(
            (c for c in node.children if find(c, lambda n: n.name == shown('_Server address'))), None))
        url = find(prefs, lambda n: n.roleName == 'text' and n.name == shown('_Server address'))
        if url is None or url.sensitive:
            raise Failure('the locked server address can be edited')
        if url.queryText().getText(0, url.queryText().characterCount) != SITE_URL:
            raise Failure('the server address does not show the administrator\'s value')
        ca = find(prefs, lambda n: n.roleName == 'list item' and n.name == shown('Extra _CA certificates'))
        if ca is None or ca.sensitive:
            raise Failure('the locked CA file row can be used')
        notify = find(prefs, lambda n: n.roleName == 'list item' and
                      n.name == shown('_Notify when cards are inserted or removed'))
        if notify is None or not notify.sensitive:
            raise Failure('a key that is not locked is greyed out')
        wait_for('the note about the administrator', lambda: find(prefs, lambda n: n.roleName == 'label' and
                 'administrator' in n.name), 10)
        rawinput.pressKey('Escape')
        rawinput.keyCombo('<Control>q')
        if app.proc.wait(30) != 0:
            raise Failure('esc exited with status %d' % app.proc.returncode)
    finally:
        app.stop()
    step('locked settings (dconf lockdown) are shown greyed out with a note; the others stay usable')


def run_operations(app, tpsd, card, step):
    frame = window(app, _('Smart Cards'))
    row = token_row(app)
    step('the token is listed with its reader and status')
    if _('Formatted (not enrolled)') not in row.name:
        raise Failure('the new card is not shown as formatted: %r' % row.name)

    # an unenrolled card: the offer to enroll (a toast)
    wait_for('the offer to enroll', lambda: button(app, _('Enroll Now')), 20)
    step('an unenrolled card gets an offer to enroll it')
    snapshot('main-window')

    # ---- enroll
    wait_for('the token page', lambda: detail_value(app, 'Issuer'))
    title = '%s – %s' % (_('Enroll'), find(frame, lambda n: n.roleName == 'list item' and READER in n.name)
                         .name.split(',')[0])
    click(app, _('_Enroll…'))
    log_in(app, tpsd)
    snapshot('enroll-login')
    click(window(app, _('Log In')), _('_Log In'))
    new_pin(app, PIN_1)
    dialog = operation_result(app, title, _('Enrollment Complete'))
    if button(app, _('Enroll Now')) is not None:
        raise Failure('the offer to enroll is still shown for the enrolled card')
    snapshot('enroll-complete')
    step('enroll: login form, new PIN twice, success; the offer to enroll is gone')
    close_operation(app, dialog, title)
    wait_for('the token to show as enrolled', lambda: detail_value(app, 'Status') == _('Enrolled'), 60)
    wait_for('two certificates listed', lambda: len(certificates(app)) == 2, 60)
    owner = detail_value(app, 'Owner')
    step('the token shows as enrolled (owner %s) with two certificates' % owner)
    snapshot('token-enrolled')

    # ---- a certificate's details; Escape closes the dialog
    first = certificates(app)[0]
    cert_name = first.name
    b = find(first, lambda n: n.roleName == 'push button')
    b.doActionNamed('click')
    cert = window(app, cert_name)
    wait_for('the SHA-256 fingerprint', lambda: find(cert, lambda n: n.roleName == 'list item' and n.name == 'SHA-256'))
    for row_title in ('Issued to', 'Issued by', 'Serial number', 'Valid from', 'Valid until', 'Key usage', 'SHA-1'):
        if find(cert, lambda n, t=row_title: n.roleName == 'list item' and n.name == _(t)) is None:
            raise Failure('the certificate dialog has no "%s"' % row_title)
    snapshot('certificate-details')
    rawinput.pressKey('Escape')
    window_gone(app, cert_name)
    step('a certificate\'s details (subject, issuer, validity, serial, usage, fingerprints); Escape closes')

    # ---- reset PIN
    title = title.replace(_('Enroll'), _('Reset PIN'), 1)
    click(app, _('_Reset PIN…'))
    log_in(app, tpsd)
    click(window(app, _('Log In')), _('_Log In'))
    new_pin(app, PIN_2)
    dialog = operation_result(app, title, _('PIN Changed'))
    close_operation(app, dialog, title)
    step('reset PIN: login form, new PIN, success')

    # ---- the card pulled out in the middle of an enrollment
    title = title.replace(_('Reset PIN'), _('Enroll'), 1)
    click(app, _('_Enroll…'))
    click(app, _('_Enroll Again'))  # the confirmation: the card is enrolled already
    log_in(app, tpsd)
    click(window(app, _('Log In')), _('_Log In'))
    window(app, _('New PIN'), OPERATION_TIMEOUT)
    card.pull()
    dialog = operation_result(app, title, _('Enrollment Failed'), 60)
    wait_for('the card-removed explanation',
             lambda: find(dialog, lambda n: n.roleName == 'label' and
                          _('The smart card was removed before the operation was finished.') in n.name), 10)
    window_gone(app, _('New PIN'), 10)
    snapshot('card-removed')
    close_operation(app, dialog, title)
    wait_for('the token to leave the list', lambda: find(app, lambda n: n.roleName == 'list item' and
                                                          READER in n.name) is None, 30)
    # vpcd has two readers (slots 0 and 1): both are named
    empty = _('Insert your smart card into one of the readers %s. It appears here as soon as it is inserted.')
    wait_for('the empty readers to be named', lambda: find(app, lambda n: n.roleName == 'label' and
                                                            n.name.startswith(empty.split('%s')[0]) and
                                                            READER in n.name), 10)
    step('card pulled mid-enrollment: a clear error, the dialogs close, the empty readers are named')
    card.insert()
    token_row(app)
    wait_for('the card to be read again', lambda: _('Reading the card…') not in token_row(app).name, 60)
    step('the window stays usable: the card comes back (%s)' % token_row(app).name)

    # ---- the server is down
    tpsd.stop()
    title = '%s – %s' % (_('Format'), token_row(app).name.split(',')[0])
    click(app, _('_Format…'))
    click(app, _('_Format'))
    dialog = operation_result(app, title, _('Format Failed'), 120)
    wait_for('the server-down explanation',
             lambda: find(dialog, lambda n: n.roleName == 'label' and
                          _('The server cannot be reached.') in n.name), 10)
    close_operation(app, dialog, title)
    step('server down: a clear error')

    # ---- diagnostics (keyboard: Ctrl+D), Escape closes
    rawinput.keyCombo('<Control>d')
    diagnostics = window(app, _('Diagnostics'))
    report = wait_for('the report', lambda: find(diagnostics, lambda n: n.roleName == 'text' and
                                                 n.name == _('Diagnostics report')))
    text = report.queryText().getText(0, report.queryText().characterCount)
    for needle in (READER, '40906145C76224192D2B'):
        if needle not in text:
            raise Failure('the diagnostics report does not mention "%s"' % needle)
    for secret in (tpsd.password, PIN_1, PIN_2):
        if secret in text:
            raise Failure('the diagnostics report shows a secret')
    click(diagnostics, _('_Copy'))
    wait_for('the "copied" note', lambda: label_named(diagnostics, _('Copied to the clipboard')), 10)
    # the first Escape dismisses the note (libadwaita's toasts), the second closes the window
    rawinput.pressKey('Escape')
    wait_for('the note to go', lambda: label_named(diagnostics, _('Copied to the clipboard')) is None, 10)
    rawinput.pressKey('Escape')
    window_gone(app, _('Diagnostics'))
    step('diagnostics (Ctrl+D): the reader and the card, no secret, Copy; Escape closes')


def visible_english(app):
    """The app's English strings still shown (names and descriptions in the tree)."""
    texts = set()
    lines = []
    dump(app, lines)
    nodes = [app]
    while nodes:
        n = nodes.pop()
        try:
            texts.add(n.name)
            texts.add(n.description)
            nodes.extend(n.children)
        except Exception:
            pass
    left = []
    for msgid in ENGLISH:
        english = msgid.replace('_', '')
        if shown(msgid) == english:
            continue  # the same word in this language, or not translated yet (check-translations)
        if english in texts or any(t.endswith(' ' + english) for t in texts if t):
            left.append(english)
    return left


def run_locale(app, tpsd, card, step):
    frame = window(app, _('Smart Cards'))
    token_row(app)
    wait_for('the token page', lambda: detail_value(app, 'Issuer'))
    step('the window is in %s' % LANGUAGE)
    pages = []
    left = visible_english(app)
    pages.append(('main window', left))

    # the offer to enroll (a toast) starts the enrollment too
    click(app, _('Enroll Now'))
    login = window(app, _('Log In'))
    wait_for('the login form', lambda: find(login, lambda n: n.roleName == 'text'))
    left = visible_english(app)
    pages.append(('login form', left))
    rawinput.pressKey('Escape')
    window_gone(app, _('Log In'))
    operation = wait_for('the cancelled operation',
                         lambda: next((c for c in app.children if c.name.startswith(_('Enroll') + ' – ')), None), 60)
    wait_for('the cancelled result', lambda: label_named(operation, _('Enrollment Failed')), 60)
    pages.append(('operation result', visible_english(app)))
    click(operation, _('_Close'))

    rawinput.keyCombo('<Control>comma')
    prefs = wait_for('the preferences', lambda: next((c for c in app.children if c.roleName in ('filler', 'frame') and
                                                       find(c, lambda n: n.name == shown('_Server address'))), None))
    pages.append(('preferences', visible_english(app)))
    rawinput.pressKey('Escape')
    del prefs, frame

    rawinput.keyCombo('<Control>d')
    window(app, _('Diagnostics'))
    pages.append(('diagnostics', visible_english(app)))
    rawinput.pressKey('Escape')
    window_gone(app, _('Diagnostics'))

    bad = ['%s: %s' % (page, ', '.join('"%s"' % s for s in left)) for page, left in pages if left]
    if bad:
        raise Failure('English strings left in %s: %s' % (LANGUAGE, '; '.join(bad)))
    step('no English string left on: %s' % ', '.join(page for page, _left in pages))


def main():
    os.makedirs(SHOTS, exist_ok=True)
    n = 0
    procs = []
    app = None
    app_node = None

    def step(text):
        """Reports the next test point (a None @text only takes its number)."""
        nonlocal n
        n += 1
        if text is not None:
            tap('ok %d - %s' % (n, text))
        return n

    try:
        tpsd = Tpsd()
        procs.append(tpsd)
        card = Card()
        procs.append(card)
        card.insert()
        step('tpsd on %s, a card in %s' % (tpsd.url, READER))
        notifications = None
        if MODE != 'locale':
            notifications = Notifications()
            procs.append(notifications)
        app = App(tpsd)
        procs.append(app)
        app_node = wait_for('the app on the accessibility bus', lambda: tree.root.application('esc'), 60)
        if MODE == 'locale':
            run_locale(app_node, tpsd, card, step)
        else:
            run_operations(app_node, tpsd, card, step)
            run_background(app_node, tpsd, card, notifications, step)
        rawinput.keyCombo('<Control>q')
        try:
            code = app.proc.wait(30)
        except subprocess.TimeoutExpired:
            raise Failure('esc did not quit on Ctrl+Q')
        if code != 0:
            raise Failure('esc exited with status %d' % code)
        step('Ctrl+Q quits (exit status 0)')
        if MODE != 'locale':
            run_lockdown(step)
    except Exception as e:  # report, with what the app showed
        n += 1
        tap('not ok %d - %s: %s' % (n, type(e).__name__, e))
        if app_node is not None:
            lines = []
            dump(app_node, lines)
            tap('# the accessibility tree:')
            for line in lines:
                tap('#   ' + line)
        if app is not None:
            tap('# the end of esc\'s log:')
            for line in app.log_tail():
                tap('#   ' + line)
        tap('1..%d' % n)
        for p in reversed(procs):
            p.stop()
        return 1
    tap('1..%d' % n)
    for p in reversed(procs):
        p.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
