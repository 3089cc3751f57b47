#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the files of units/ with the real tools; prints TAP.

  verify    systemd-analyze verify on the user and the system unit (copies whose
            @bindir@ is the build tree, since verify checks that ExecStart=
            exists), systemd-sysusers --dry-run on the sysusers.d file.
  security  systemd-analyze security --offline=true --threshold=N on the system
            unit, and the figure against the one written in its header.
  dbus      the activation files and the bus policy, read by a private
            dbus-daemon: the name is activatable, and nobody but user confab
            may own it.

Missing tools make the affected checks SKIP, never fail.
"""

import argparse
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

BUS_NAME = 'org.confab.Confab1'
SERVICE_USER = 'confab'

# template in units/ -> (directory in the test tree, file name as installed)
TEMPLATES = {
    'confabd.service.in': ('user', 'confabd.service'),
    'confabd-system.service.in': ('system', 'confabd.service'),
    'org.confab.Confab1.service.in': ('services', 'org.confab.Confab1.service'),
    'org.confab.Confab1.system-service.in': ('system-services', 'org.confab.Confab1.service'),
}

# The header line of confabd-system.service.in that records the measured figure.
FIGURE_RE = re.compile(r'^# systemd (\d+), systemd-analyze security --offline=true: '
                       r'overall exposure level (\d+\.\d)\b', re.M)
# ... and the settings the analyzer still flags, which the figure rounds away.
FLAGGED_RE = re.compile(r'^#\s+flagged:(.*)$', re.M)
OVERALL_RE = re.compile(r'Overall exposure level for \S+: (\d+\.\d)')


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def diag(self, text):
        for line in text.rstrip('\n').splitlines():
            print('# ' + line)

    def ok(self, passed, description, output=''):
        self.count += 1
        if output:
            self.diag(output)
        print(('ok' if passed else 'not ok') + ' %d - %s' % (self.count, description))
        if not passed:
            self.failed += 1

    def skip(self, description, reason):
        self.count += 1
        print('ok %d - %s # SKIP %s' % (self.count, description, reason))

    def bail(self, reason):
        print('Bail out! ' + reason)
        sys.exit(1)

    def finish(self):
        print('1..%d' % self.count)
        return 1 if self.failed else 0


def substitute(text, values, origin):
    """@name@ -> value, as meson's configure_file() does; refuses leftovers."""
    for key, value in values.items():
        text = text.replace('@%s@' % key, value)
    left = re.findall(r'@[A-Za-z_][A-Za-z0-9_]*@', text)
    if left:
        raise ValueError('%s: no value for %s' % (origin, ', '.join(sorted(set(left)))))
    return text


def make_tree(tap, args, tmp):
    """Writes the substituted templates below tmp; returns {template: path}."""
    values = dict(args.set)
    values['bindir'] = os.path.dirname(os.path.abspath(args.confabd))
    paths = {}
    for template, (subdir, name) in TEMPLATES.items():
        src = os.path.join(args.srcdir, template)
        with open(src, encoding='utf-8') as f:
            try:
                text = substitute(f.read(), values, template)
            except ValueError as e:
                tap.bail(str(e))
        os.makedirs(os.path.join(tmp, subdir), exist_ok=True)
        dst = os.path.join(tmp, subdir, name)
        with open(dst, 'w', encoding='utf-8') as f:
            f.write(text)
        paths[template] = dst
    return paths


def run(argv, env=None, stdin=None):
    p = subprocess.run(argv, env=env, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def isolated_env(tmp):
    """A user manager for `verify --user` needs XDG_RUNTIME_DIR; keep it and
    everything else systemd-analyze might look at away from the real home."""
    env = dict(os.environ)
    home = os.path.join(tmp, 'home')
    runtime = os.path.join(tmp, 'runtime')
    os.makedirs(home, exist_ok=True)
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    env.update({
        'HOME': home,
        'XDG_RUNTIME_DIR': runtime,
        'XDG_CONFIG_HOME': os.path.join(home, '.config'),
        'XDG_DATA_HOME': os.path.join(home, '.local', 'share'),
        'XDG_STATE_HOME': os.path.join(home, '.local', 'state'),
        'XDG_CACHE_HOME': os.path.join(home, '.cache'),
        'SYSTEMD_COLORS': '0',
        'SYSTEMD_PAGER': '',
        'LC_ALL': 'C.UTF-8',
    })
    env.pop('SYSTEMD_UNIT_PATH', None)
    return env


def unit_lines(output, path):
    """Lines of systemd-analyze output about the unit file at path."""
    name = os.path.basename(path)
    return [line for line in output.splitlines()
            if line.startswith(path) or line.startswith(name + ':')]


def check_verify(tap, args, paths, tmp):
    env = isolated_env(tmp)
    # --recursive-errors=no: non-zero exit on warnings about the unit itself
    # (unknown keys, bad values, missing executables), not about units it
    # merely references, which may be absent or odd on the build machine.
    for template, mode in (('confabd.service.in', '--user'),
                           ('confabd-system.service.in', '--system')):
        path = paths[template]
        rc, out = run([args.systemd_analyze, 'verify', '--man=no', mode,
                       '--recursive-errors=no', path], env=env)
        ours = unit_lines(out, path)
        tap.ok(rc == 0 and not ours,
               'systemd-analyze verify %s %s (exit %d)' % (mode, template, rc), out)

    sysusers = shutil.which('systemd-sysusers')
    if not sysusers:
        tap.skip('systemd-sysusers confab.sysusers.conf', 'no systemd-sysusers')
        return
    root = os.path.join(tmp, 'sysroot')
    os.makedirs(os.path.join(root, 'etc'), exist_ok=True)
    with open(os.path.join(args.srcdir, 'confab.sysusers.conf'), encoding='utf-8') as f:
        rc, out = run([sysusers, '--root', root, '--dry-run', '-'], env=env, stdin=f)
    tap.ok(rc == 0 and ("user '%s'" % SERVICE_USER) in out
           and ("group '%s'" % SERVICE_USER) in out,
           'systemd-sysusers --dry-run creates user and group %s' % SERVICE_USER, out)


def check_security(tap, args, paths, tmp):
    path = paths['confabd-system.service.in']
    rc, out = run([args.systemd_analyze, 'security', '--offline=true',
                   '--threshold=%d' % args.threshold, path], env=isolated_env(tmp))
    worse = '\n'.join(line for line in out.splitlines() if line.startswith('✗'))
    match = OVERALL_RE.search(out)
    if not match:
        tap.ok(False, 'systemd-analyze security printed an overall exposure level', out)
        return
    measured = match.group(1)
    tap.ok(rc == 0, 'exposure %s within --threshold=%d (exposure x 10)' %
           (measured, args.threshold), worse)

    flagged = set(line.split()[1] for line in out.splitlines()
                  if line.startswith('✗') and len(line.split()) > 1)
    with open(os.path.join(args.srcdir, 'confabd-system.service.in'), encoding='utf-8') as f:
        header = f.read()
    recorded = FIGURE_RE.search(header)
    recorded_flagged = set(' '.join(FLAGGED_RE.findall(header)).split())
    if not recorded:
        tap.ok(False, 'confabd-system.service.in records the measured exposure in its header')
        return
    version_rc, version_out = run([args.systemd_analyze, '--version'])
    version = re.match(r'systemd (\d+)', version_out)
    if version_rc != 0 or not version:
        tap.skip('exposure matches the header', 'cannot tell the systemd version')
    elif version.group(1) != recorded.group(1):
        tap.skip('exposure matches the header',
                 'figure recorded with systemd %s, this is systemd %s (measured %s)' %
                 (recorded.group(1), version.group(1), measured))
    else:
        tap.ok(measured == recorded.group(2),
               'exposure %s matches the %s written at the top of confabd-system.service.in' %
               (measured, recorded.group(2)))
        diff = ''
        if flagged - recorded_flagged:
            diff += 'flagged now, not in the header: %s\n' % ' '.join(
                sorted(flagged - recorded_flagged))
        if recorded_flagged - flagged:
            diff += 'in the header, no longer flagged: %s\n' % ' '.join(
                sorted(recorded_flagged - flagged))
        tap.ok(flagged == recorded_flagged,
               'the %d flagged settings are the ones listed in the header' % len(flagged), diff)


def read_keyfile(path, section):
    """Key=value pairs of one section of a unit or .service file; a repeated
    key (unit files repeat SystemCallFilter= and the like) keeps its last value."""
    values = {}
    current = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in '#;':
                continue
            if line.startswith('[') and line.endswith(']'):
                current = line[1:-1]
            elif current == section and '=' in line:
                key, value = line.split('=', 1)
                values[key.strip()] = value.strip()
    return values


def check_consistency(tap, args, paths):
    """The files name each other; these checks catch one drifting alone."""
    user_unit = read_keyfile(paths['confabd.service.in'], 'Service')
    system_unit = read_keyfile(paths['confabd-system.service.in'], 'Service')
    for template, want_user in (('org.confab.Confab1.service.in', None),
                                ('org.confab.Confab1.system-service.in', SERVICE_USER)):
        act = read_keyfile(paths[template], 'D-BUS Service')
        exe = act.get('Exec', '').split()
        good = (act.get('Name') == BUS_NAME and act.get('SystemdService') == 'confabd.service'
                and len(exe) > 0 and os.access(exe[0], os.X_OK)
                and act.get('User') == want_user)
        tap.ok(good, '%s: Name=%s, SystemdService=confabd.service, Exec= exists%s' %
               (template, BUS_NAME, ', User=' + want_user if want_user else ''), repr(act))

    tap.ok(user_unit.get('BusName') == BUS_NAME and system_unit.get('BusName') == BUS_NAME,
           'both units have BusName=%s' % BUS_NAME)

    with open(os.path.join(args.srcdir, 'confab.sysusers.conf'), encoding='utf-8') as f:
        sysusers = [line.split() for line in f
                    if line.strip() and not line.lstrip().startswith('#')]
    created = [fields[1] for fields in sysusers if fields[0] == 'u']
    tap.ok(system_unit.get('User') == SERVICE_USER and system_unit.get('Group') == SERVICE_USER
           and SERVICE_USER in created,
           'system unit runs as %s:%s, which confab.sysusers.conf creates' %
           (SERVICE_USER, SERVICE_USER))

    policy = ET.parse(os.path.join(args.srcdir, 'org.confab.Confab1.conf')).getroot()
    owners = [p.attrib for p in policy.iter('policy')
              if any(a.get('own') == BUS_NAME for a in p.iter('allow'))]
    tap.ok(owners == [{'user': SERVICE_USER}],
           'the bus policy lets only user %s own %s' % (SERVICE_USER, BUS_NAME), repr(owners))


BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{servicedir}</servicedir>
  <policy context="default">
    <allow user="*"/>
    <!-- Unlike system.conf, anyone may own any name: a refusal can only come
         from the included policy. -->
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
  <include>{policy}</include>
</busconfig>
'''


def check_bus(tap, args, paths, tmp):
    daemon = shutil.which('dbus-daemon')
    busctl = shutil.which('busctl')
    if not daemon or not busctl:
        tap.skip('dbus-daemon reads the policy and the activation file',
                 'needs dbus-daemon and busctl')
        return
    socket = os.path.join(tmp, 'bus')
    config = os.path.join(tmp, 'bus.conf')
    with open(config, 'w', encoding='utf-8') as f:
        f.write(BUS_CONFIG.format(
            socket=socket,
            servicedir=os.path.dirname(paths['org.confab.Confab1.system-service.in']),
            policy=os.path.join(os.path.abspath(args.srcdir), 'org.confab.Confab1.conf')))
    log = open(os.path.join(tmp, 'dbus-daemon.log'), 'w+', encoding='utf-8')
    proc = subprocess.Popen([daemon, '--config-file=' + config, '--nofork', '--nopidfile',
                             '--print-address=1'],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        # The address is printed once the bus listens, i.e. after the whole
        # configuration, our policy included, was accepted.
        address = proc.stdout.readline().strip()
        log.seek(0)
        tap.ok(address != '', 'dbus-daemon accepts org.confab.Confab1.conf', log.read())
        if not address:
            return
        bus = [busctl, '--address=' + address, '--no-pager']
        dbus = ['org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus']

        rc, out = run(bus + ['call'] + dbus + ['ListActivatableNames'])
        tap.ok(rc == 0 and ('"%s"' % BUS_NAME) in out,
               'dbus-daemon lists %s as activatable from the system activation file' %
               BUS_NAME, out)

        rc, out = run(bus + ['call'] + dbus + ['RequestName', 'su', 'org.confab.Test1', '0'])
        tap.ok(rc == 0 and out.strip() == 'u 1',
               'control: another name can be owned on this bus', out)

        me = pwd.getpwuid(os.geteuid()).pw_name
        if me == SERVICE_USER:
            tap.skip('%s may not own %s' % (me, BUS_NAME), 'running as %s' % SERVICE_USER)
        else:
            rc, out = run(bus + ['call'] + dbus + ['RequestName', 'su', BUS_NAME, '0'])
            # busctl prints the strerror() of the D-Bus error: AccessDenied
            # becomes "Access denied" (dbus-daemon's own text says "not
            # permitted to own the service ... due to security policies").
            refused = re.search(r'Access ?denied|not permitted to own', out, re.I)
            tap.ok(rc != 0 and refused is not None,
                   'user %s may not own %s' % (me, BUS_NAME), out)
    finally:
        proc.terminate()
        proc.wait()
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--srcdir', required=True, help='the units/ source directory')
    parser.add_argument('--confabd', required=True, help='the confabd built in the build tree')
    parser.add_argument('--set', action='append', default=[], metavar='NAME=VALUE',
                        type=lambda s: tuple(s.split('=', 1)),
                        help='a substitution besides @bindir@, as in units/meson.build')
    parser.add_argument('--systemd-analyze', default=shutil.which('systemd-analyze'))
    parser.add_argument('--threshold', type=int, default=20,
                        help='security: highest overall exposure x 10 (default 20)')
    parser.add_argument('check', choices=['verify', 'security', 'dbus'])
    args = parser.parse_args()

    tap = Tap()
    if not os.access(args.confabd, os.X_OK):
        tap.bail('%s is not an executable' % args.confabd)
    with tempfile.TemporaryDirectory(prefix='confab-units-') as tmp:
        paths = make_tree(tap, args, tmp)
        if args.check == 'dbus':
            check_consistency(tap, args, paths)
            check_bus(tap, args, paths, tmp)
        elif not args.systemd_analyze:
            tap.skip('systemd-analyze %s' % args.check, 'no systemd-analyze (Debian: systemd)')
        elif args.check == 'verify':
            check_verify(tap, args, paths, tmp)
        else:
            check_security(tap, args, paths, tmp)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
