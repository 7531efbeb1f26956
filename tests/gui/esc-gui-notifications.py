#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in notification server on the session bus, for the GUI test: it owns both names GIO's
GNotification backends talk to (org.freedesktop.Notifications and org.gtk.Notifications) and
appends every notification it gets to FILE, one JSON object per line ({"title", "body"}).
It prints "ready" on stdout once both names are owned.

    esc-gui-notifications.py FILE
"""
import json
import sys

import gi

gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

FDO_XML = '''
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
'''
GTK_XML = '''
<node>
  <interface name="org.gtk.Notifications">
    <method name="AddNotification">
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="a{sv}" direction="in"/>
    </method>
    <method name="RemoveNotification"><arg type="s" direction="in"/><arg type="s" direction="in"/></method>
  </interface>
</node>
'''


class Server:
    def __init__(self, path):
        self.path = path
        self.next_id = 1
        self.owned = 0

    def record(self, title, body):
        with open(self.path, 'a') as f:
            f.write(json.dumps({'title': title, 'body': body}) + '\n')

    def fdo_call(self, conn, sender, path, iface, method, params, invocation):
        if method == 'Notify':
            _app, _replaces, _icon, summary, body, _actions, _hints, _timeout = params.unpack()
            self.record(summary, body)
            self.next_id += 1
            invocation.return_value(GLib.Variant('(u)', (self.next_id,)))
        elif method == 'GetCapabilities':
            invocation.return_value(GLib.Variant('(as)', (['body', 'actions'],)))
        elif method == 'GetServerInformation':
            invocation.return_value(GLib.Variant('(ssss)', ('esc-gui-test', 'esc', '1', '1.2')))
        else:
            invocation.return_value(None)

    def gtk_call(self, conn, sender, path, iface, method, params, invocation):
        if method == 'AddNotification':
            _app, _id, notification = params.unpack()
            self.record(notification.get('title', ''), notification.get('body', ''))
        invocation.return_value(None)

    def acquired(self, conn, name):
        if name == 'org.freedesktop.Notifications':
            info = Gio.DBusNodeInfo.new_for_xml(FDO_XML).interfaces[0]
            conn.register_object('/org/freedesktop/Notifications', info, self.fdo_call, None, None)
        else:
            info = Gio.DBusNodeInfo.new_for_xml(GTK_XML).interfaces[0]
            conn.register_object('/org/gtk/Notifications', info, self.gtk_call, None, None)

    def owned_name(self, conn, name):
        self.owned += 1
        if self.owned == 2:
            print('ready', flush=True)

    def lost(self, conn, name):
        print('lost the name %s' % name, file=sys.stderr, flush=True)
        sys.exit(1)


def main():
    server = Server(sys.argv[1])
    for name in ('org.freedesktop.Notifications', 'org.gtk.Notifications'):
        Gio.bus_own_name(Gio.BusType.SESSION, name, Gio.BusNameOwnerFlags.NONE, server.acquired,
                         server.owned_name, server.lost)
    GLib.MainLoop().run()


if __name__ == '__main__':
    main()
