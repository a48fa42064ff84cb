#!/usr/bin/python3
"""The embedding examples (examples/*-discover) against the test world.

Run by meson: test_examples.py EXAMPLE...  (poll-discover, glib-discover,
uv-discover: whichever were built).  The world must be running; its env file
is named by $PACC_WORLD_ENV.  Each example runs one discovery inside its
loop (plain poll(2), GLib through <pacc/adapters/glib.h>, libuv through
<pacc/adapters/libuv.h>); the output is compared line by line, not only the
exit status.  A stalled HTTPS server shows that the deadline fires inside
the foreign loop and that the loop's own timer keeps running meanwhile.
Under the ASan build the sanitizers' reports fail the run; in the normal
build uv-discover and glib-discover also run under valgrind when it is
installed (no definite or indirect leak, no memory error).
"""
import os
import shutil
import subprocess
import sys
import unittest

EXAMPLES = []
WORLD = {}

SECURE = [
    "outcome: found",
    "mechanism: pacc",
    "server: jmap https://jmap.secure.example/session",
    "server: imap imap.secure.example:993 implicit",
    "server: smtp smtp.secure.example:465 implicit",
    "server: caldav https://dav.secure.example/calendar/",
    "server: carddav https://dav.secure.example/contacts/",
]


def load_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "=" in line:
                k, v = line.split("=", 1)
                env[k.strip()] = v.strip().strip('"').strip("'")
    return env


def world_args(timeout):
    return ["--resolver", WORLD["PACC_RESOLVER"],
            "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
            "--ca-file", WORLD["PACC_CA_FILE"], "--timeout", str(timeout)]


def run(cmd, limit):
    # a hang is bounded, not the speed asserted
    p = subprocess.run(cmd, capture_output=True, timeout=limit)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def heartbeats(err):
    for line in err.splitlines():
        if line.startswith("heartbeats: "):
            return int(line.split()[1])
    raise AssertionError("no heartbeats line on stderr: %r" % err)


def sanitized(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


class Examples(unittest.TestCase):
    def each(self):
        self.assertTrue(EXAMPLES, "no example given")
        for exe in EXAMPLES:
            with self.subTest(example=os.path.basename(exe)):
                yield exe

    def assertClean(self, err):
        self.assertNotIn("Sanitizer", err)
        self.assertNotIn("runtime error", err)

    def test_found(self):
        for exe in self.each():
            rc, out, err = run([exe, *world_args(10),
                                "alice@secure.example"], 60)
            self.assertClean(err)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out.splitlines(), SECURE, err)

    def test_stalled_server_deadline(self):
        # stall.example publishes a UAAC1 record; its document server
        # accepts and never answers: the deadline ends the discovery
        # (integrity failure, DESIGN §2) while the host loop keeps running
        # its own 100 ms timer
        for exe in self.each():
            rc, out, err = run([exe, *world_args(3),
                                "bob@stall.example"], 60)
            self.assertClean(err)
            self.assertEqual(rc, 3, err)
            self.assertEqual(out.splitlines()[:2],
                             ["outcome: integrity-failure",
                              "mechanism: pacc"], err)
            self.assertIn("deadline", err)
            self.assertGreaterEqual(heartbeats(err), 1, err)

    def test_usage_and_bad_address(self):
        for exe in self.each():
            rc, _, err = run([exe], 30)
            self.assertEqual(rc, 2)
            self.assertIn("usage:", err)
            rc, _, err = run([exe, "--timeout", "x", "a@b.example"], 30)
            self.assertEqual(rc, 2)
            rc, out, err = run([exe, *world_args(10), "not-an-address"], 30)
            self.assertClean(err)
            self.assertEqual(rc, 2, err)
            self.assertEqual(out.splitlines()[0], "outcome: error")

    def test_valgrind(self):
        vg = shutil.which("valgrind")
        todo = [e for e in EXAMPLES if not sanitized(e) and
                os.path.basename(e) in ("uv-discover", "glib-discover")]
        if vg is None or not todo:
            self.skipTest("no valgrind, or a sanitized build")
        for exe in todo:
            with self.subTest(example=os.path.basename(exe)):
                rc, out, err = run(
                    [vg, "--quiet", "--error-exitcode=99",
                     "--leak-check=full",
                     "--errors-for-leak-kinds=definite,indirect",
                     "--show-leak-kinds=definite,indirect",
                     exe, *world_args(30), "alice@secure.example"], 240)
                # what is checked here is memory, not the outcome: on a
                # loaded machine valgrind's slowness may let the deadline
                # come first (a DNS answer or the document too late),
                # which must end as cleanly
                self.assertNotEqual(rc, 99, err)
                self.assertIn(rc, (0, 1, 3, 4), err)
                self.assertEqual(out.splitlines()[0].split(":")[0],
                                 "outcome", err)
                if rc == 0:
                    self.assertEqual(out.splitlines(), SECURE, err)


def main():
    global EXAMPLES, WORLD
    path = os.environ.get("PACC_WORLD_ENV")
    if not path or not os.path.exists(path):
        print("PACC_WORLD_ENV not set: skipped")
        sys.exit(77)
    WORLD = load_env(path)
    EXAMPLES = [os.path.abspath(a) for a in sys.argv[1:]]
    unittest.main(argv=[sys.argv[0], "-v"])


if __name__ == "__main__":
    main()
