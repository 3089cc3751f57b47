#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read, and optionally change, Confab's "end-to-end encrypted calls" setting.

Usage: confab-e2ee-toggle.py [--system] [on|off|toggle]

With no argument it prints the setting and the administrator's policy. It is
an example of a thin python-dbus client: everything it knows comes from the
org.confab.Confab1.Manager properties.
"""
import sys

import dbus

BUS_NAME = "org.confab.Confab1"
PATH = "/org/confab/Confab1"
IFACE = "org.confab.Confab1.Manager"


def main(argv):
    args = [a for a in argv[1:] if a != "--system"]
    bus = dbus.SystemBus() if "--system" in argv else dbus.SessionBus()
    if len(args) > 1 or (args and args[0] not in ("on", "off", "toggle")):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        manager = bus.get_object(BUS_NAME, PATH)
        props = dbus.Interface(manager, "org.freedesktop.DBus.Properties")
        current = bool(props.Get(IFACE, "EndToEndEncryption"))
        if args:
            wanted = {"on": True, "off": False, "toggle": not current}[args[0]]
            props.Set(IFACE, "EndToEndEncryption", dbus.Boolean(wanted))
            current = bool(props.Get(IFACE, "EndToEndEncryption"))
        allowed = bool(props.Get(IFACE, "EndToEndAllowed"))
        reason = str(props.Get(IFACE, "PolicyReason"))
    except dbus.exceptions.DBusException as e:
        print(f"confab-e2ee-toggle: {e.get_dbus_message()}", file=sys.stderr)
        return 69 if e.get_dbus_name().endswith(("ServiceUnknown", "NameHasNoOwner")) else 1
    print(f"end-to-end encryption: {'on' if current else 'off'}")
    print(f"allowed by policy: {'yes' if allowed else 'no (' + reason + ')'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
