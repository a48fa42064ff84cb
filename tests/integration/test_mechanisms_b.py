#!/usr/bin/python3
"""`pacc discover --json` for the pacc-srv, webfinger, autodiscover and ispdb
mechanisms against the real test world (tests/world).

Run by meson: test_mechanisms_b.py PACC_BINARY.  The world must be running;
its env file is named by $PACC_WORLD_ENV (tests/run starts it).  Every case
asserts status, mechanism, integrity, servers, confirm and attempts[].code,
and validates the JSON against doc/discover.schema.json.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(TOP, "doc", "discover.schema.json")
PACC = None
WORLD = {}
TIMEOUT = 5.0
LATE = ("pacc", "pacc-mx", "pacc-srv", "webfinger", "srv", "autoconfig",
        "autodiscover")


def load_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "=" in line:
                k, v = line.split("=", 1)
                env[k.strip()] = v.strip().strip('"').strip("'")
    return env


def validate(obj):
    import jsonschema
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.validate(obj, schema)


def discover(address, *extra, timeout=TIMEOUT, ispdb_url=""):
    """Run discovery; the online ISPDB is off unless ispdb_url is given."""
    cmd = [PACC, "discover", "--json", "--resolver", WORLD["PACC_RESOLVER"],
           "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
           "--ca-file", WORLD["PACC_CA_FILE"], "--timeout", str(timeout),
           "--ispdb-url", ispdb_url, *extra, address]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, timeout=2 * timeout + 10)
    elapsed = time.monotonic() - t0
    try:
        obj = json.loads(p.stdout.decode("utf-8"))
    except ValueError as e:
        raise AssertionError("not one JSON object on stdout (%s): %r\n"
                             "stderr: %s" % (e, p.stdout[:500],
                                             p.stderr.decode()[:2000]))
    validate(obj)
    return p.returncode, obj, elapsed, p.stderr.decode("utf-8", "replace")


def attempt(obj, mech):
    for a in obj["attempts"]:
        if a["mechanism"] == mech:
            return a
    raise AssertionError("no attempt for %s" % mech)


def server(obj, proto, servers=None):
    for s in obj["servers"] if servers is None else servers:
        if s["protocol"] == proto:
            return s
    raise AssertionError("no %s server in %r" % (proto, obj["servers"]))


def explain(o):
    return json.dumps(o["attempts"], indent=1)


class PaccSrv(unittest.TestCase):
    """The earlier PACC draft: _pacc._https SRV and the _paccmx MX fallback."""

    def test_direct(self):
        rc, o, _, err = discover("alice@pacc-srv.example")
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], "pacc-srv")
        self.assertEqual(o["source"],
                         "https://config.pacc-srv.example/.well-known/"
                         "pacc.json")
        # TLS only: no digest; the SRV answer of a signed zone
        self.assertEqual(o["integrity"]["digest"], "n/a")
        self.assertEqual(o["integrity"]["dnssec"], "secure")
        imap = server(o, "imap")
        self.assertEqual((imap["host"], imap["port"], imap["tls"]),
                         ("imap.pacc-srv.example", 993, "implicit"))
        self.assertEqual(imap["username"], "alice@pacc-srv.example")
        smtp = server(o, "smtp")
        self.assertEqual((smtp["host"], smtp["port"], smtp["tls"]),
                         ("smtp.pacc-srv.example", 465, "implicit"))
        self.assertTrue(server(o, "caldav")["url"].startswith(
            "https://dav.pacc-srv.example/"))
        self.assertEqual(o["provider"]["name"], "PACC SRV Example")
        self.assertEqual(o["confirm"]["domains"], ["pacc-srv.example"])
        self.assertTrue(o["confirm"]["required"])
        a = attempt(o, "pacc-srv")
        self.assertEqual(a["outcome"], "ok")
        self.assertIsNone(a["code"])
        for m in ("pacc", "pacc-mx"):
            self.assertIn(attempt(o, m)["outcome"], ("absent", "failed"))

    def test_via_mx(self):
        rc, o, _, err = discover("alice@paccmx.example")
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["mechanism"], "pacc-srv")
        # the best-preference MX (10), never the backup (20)
        self.assertEqual(o["source"],
                         "https://config.paccmxhost.example/.well-known/"
                         "pacc.json")
        self.assertEqual(o["provider"]["name"], "PACCMX Host")
        self.assertEqual(server(o, "imap")["host"], "imap.paccmxhost.example")
        self.assertEqual(server(o, "imap")["username"], "alice@paccmx.example")
        self.assertEqual(o["integrity"]["dnssec"], "secure")
        # the configuration server is another registrable domain
        self.assertIn("paccmxhost.example", o["confirm"]["domains"])
        self.assertTrue(o["confirm"]["required"])
        self.assertIn("paccmx", attempt(o, "pacc-srv")["detail"])

    def test_nothing_published(self):
        rc, o, _, err = discover("alice@absent.example", "--mechanisms",
                                 "pacc-srv")
        self.assertEqual(rc, 1, err)
        self.assertEqual(o["status"], "not-found")
        self.assertEqual(attempt(o, "pacc-srv")["outcome"], "absent")


class WebFinger(unittest.TestCase):
    def test_two_accounts(self):
        rc, o, _, err = discover("alice@wf.example")
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], "webfinger")
        self.assertEqual(o["source"],
                         "https://wf.example/.well-known/webfinger?resource="
                         "acct%3Aalice%40wf.example&rel=email-autoconfig")
        self.assertEqual(o["integrity"]["digest"], "n/a")
        self.assertEqual(o["integrity"]["dnssec"], "n/a")
        self.assertIsNone(o["integrity"]["dnssec_reason"])
        # the first link ("Work") is the answer
        imap = server(o, "imap")
        self.assertEqual((imap["host"], imap["port"], imap["tls"]),
                         ("imap.work.wf.example", 143, "starttls"))
        smtp = server(o, "smtp")
        self.assertEqual((smtp["host"], smtp["port"], smtp["tls"]),
                         ("smtp.work.wf.example", 587, "starttls"))
        self.assertEqual(o["confirm"]["domains"], ["wf.example"])
        self.assertTrue(o["confirm"]["required"])
        # both accounts are candidates, in link order, with their titles
        cands = [c for c in o["candidates"] if c["mechanism"] == "webfinger"]
        self.assertEqual([c.get("title") for c in cands], ["Work", "Personal"])
        for c in cands:
            self.assertTrue(c["usable"])
        self.assertEqual(server(o, "imap", cands[1]["servers"])["host"],
                         "imap.wf.example")
        a = attempt(o, "webfinger")
        self.assertEqual(a["outcome"], "ok")
        self.assertIn("2 of 2", a["detail"])

    def test_no_service(self):
        rc, o, _, err = discover("alice@absent.example", "--mechanisms",
                                 "webfinger")
        self.assertEqual(rc, 1, err)
        a = attempt(o, "webfinger")
        self.assertEqual(a["outcome"], "absent")
        self.assertEqual(a["code"], "no-address")


class Autodiscover(unittest.TestCase):
    def test_settings(self):
        rc, o, _, err = discover("alice@ad.example")
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], "autodiscover")
        self.assertEqual(o["source"], "https://autodiscover.ad.example/"
                         "autodiscover/autodiscover.xml")
        self.assertEqual(o["integrity"]["digest"], "n/a")
        imap = server(o, "imap")
        self.assertEqual((imap["host"], imap["port"], imap["tls"]),
                         ("imap.ad.example", 993, "implicit"))
        self.assertEqual(imap["username"], "alice@ad.example")
        self.assertEqual(server(o, "pop3")["host"], "pop.ad.example")
        smtps = [s for s in o["servers"] if s["protocol"] == "smtp"]
        self.assertIn(("smtp.ad.example", 465, "implicit"),
                      [(s["host"], s["port"], s["tls"]) for s in smtps])
        self.assertEqual(o["confirm"]["domains"], ["ad.example"])
        self.assertTrue(o["confirm"]["required"])
        self.assertEqual(attempt(o, "autodiscover")["outcome"], "ok")

    def test_redirect_addr_other_domain(self):
        rc, o, _, err = discover("alice@adredir.example")
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["mechanism"], "autodiscover")
        self.assertEqual(o["source"], "https://autodiscover.adtarget.example/"
                         "autodiscover/autodiscover.xml")
        imap = server(o, "imap")
        self.assertEqual(imap["host"], "imap.adtarget.example")
        # the request was repeated for the new address: its LoginName
        self.assertEqual(imap["username"], "bob@adtarget.example")
        # a hop into another registrable domain needs confirmation
        self.assertIn("adtarget.example", o["confirm"]["domains"])
        self.assertTrue(o["confirm"]["required"])
        a = attempt(o, "autodiscover")
        self.assertEqual(a["outcome"], "ok")
        self.assertIn("adtarget.example", a["detail"])
        self.assertIn("confirm", a["detail"])

    def test_redirect_loop(self):
        rc, o, elapsed, err = discover("alice@adloop.example",
                                       "--mechanisms", "autodiscover")
        self.assertEqual(rc, 1, err + explain(o))
        self.assertEqual(o["status"], "not-found")
        self.assertEqual(o["servers"], [])
        a = attempt(o, "autodiscover")
        self.assertEqual(a["outcome"], "failed")
        self.assertIn(a["code"], ("too-many-redirects", "redirect-loop"))
        self.assertLess(elapsed, TIMEOUT + 5)

    def test_srv_target(self):
        rc, o, _, err = discover("alice@adsrv.example")
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["mechanism"], "autodiscover")
        self.assertEqual(o["source"], "https://autodiscover.adsrvhost.example/"
                         "autodiscover/autodiscover.xml")
        self.assertEqual(server(o, "imap")["host"], "imap.adsrvhost.example")
        self.assertEqual(server(o, "imap")["username"], "alice@adsrv.example")
        # the SRV target is outside the address's domain
        self.assertIn("adsrvhost.example", o["confirm"]["domains"])
        # the SRV answer of a signed zone
        self.assertEqual(o["integrity"]["dnssec"], "secure")

    def test_nothing_published(self):
        rc, o, _, err = discover("alice@absent.example", "--mechanisms",
                                 "autodiscover")
        self.assertEqual(rc, 1, err)
        self.assertEqual(attempt(o, "autodiscover")["outcome"], "absent")


class Ispdb(unittest.TestCase):
    def check_late(self, o):
        # ranks 1-7 all finished without a usable result first
        for m in LATE:
            self.assertNotEqual(attempt(o, m)["outcome"], "ok", m)

    def test_by_mx_online(self):
        url = WORLD["PACC_ISPDB_URL"]
        rc, o, _, err = discover("alice@ispdbmx.example", ispdb_url=url)
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], "ispdb")
        self.assertEqual(o["source"], url + "gandi.net")
        self.assertEqual(o["integrity"]["digest"], "n/a")
        # the MX answer led to the file
        self.assertEqual(o["integrity"]["dnssec"], "secure")
        self.assertEqual(server(o, "imap")["host"], "mail.gandi.net")
        self.assertEqual(server(o, "imap")["username"],
                         "alice@ispdbmx.example")
        self.assertIn("gandi.net", o["confirm"]["domains"])
        self.assertTrue(o["confirm"]["required"])
        self.assertEqual(attempt(o, "ispdb")["outcome"], "ok")
        self.check_late(o)

    def test_by_mx_local_dir(self):
        d = WORLD.get("PACC_ISPDB_DIR")
        if not d:
            self.skipTest("the world has no ISPDB corpus")
        rc, o, _, err = discover("alice@ispdbmx.example", "--ispdb", d)
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["mechanism"], "ispdb")
        self.assertEqual(o["source"], os.path.join(d, "gandi.net.xml"))
        self.assertEqual(server(o, "imap")["host"], "mail.gandi.net")
        self.check_late(o)

    def test_local_miss_then_online(self):
        # your-server.de is a <domain> of hetzner.de.xml: no local file of
        # that name, but the online ISPDB knows it
        d = WORLD.get("PACC_ISPDB_DIR")
        if not d:
            self.skipTest("the world has no ISPDB corpus")
        url = WORLD["PACC_ISPDB_URL"]
        rc, o, _, err = discover("alice@ispdbmx2.example", "--ispdb", d,
                                 ispdb_url=url)
        self.assertEqual(rc, 0, err + explain(o))
        self.assertEqual(o["mechanism"], "ispdb")
        self.assertEqual(o["source"], url + "your-server.de")

    def test_local_dir_by_domain(self):
        d = WORLD.get("PACC_ISPDB_DIR")
        if not d:
            self.skipTest("the world has no ISPDB corpus")
        tmp = tempfile.mkdtemp(prefix="pacc-ispdb-")
        try:
            shutil.copy(os.path.join(d, "gandi.net.xml"),
                        os.path.join(tmp, "absent.example.xml"))
            rc, o, _, err = discover("alice@absent.example", "--ispdb", tmp,
                                     "--mechanisms", "ispdb")
            self.assertEqual(rc, 0, err + explain(o))
            self.assertEqual(o["mechanism"], "ispdb")
            self.assertEqual(o["source"],
                             os.path.join(tmp, "absent.example.xml"))
            # no DNS answer was involved
            self.assertEqual(o["integrity"]["dnssec"], "n/a")
            self.assertEqual(o["integrity"]["digest"], "n/a")
            self.assertEqual(server(o, "imap")["host"], "mail.gandi.net")
        finally:
            shutil.rmtree(tmp)

    def test_miss(self):
        tmp = tempfile.mkdtemp(prefix="pacc-ispdb-")
        try:
            rc, o, _, err = discover("alice@absent.example", "--ispdb", tmp,
                                     "--mechanisms", "ispdb")
            self.assertEqual(rc, 1, err)
            a = attempt(o, "ispdb")
            self.assertEqual(a["outcome"], "absent")
            self.assertEqual(a["code"], "ispdb-miss")
        finally:
            shutil.rmtree(tmp)

    def test_not_run_when_found(self):
        # rank 8 never starts when a better rank answered: the domain is
        # not leaked to the online ISPDB
        rc, o, _, err = discover("alice@pacc-srv.example",
                                 ispdb_url=WORLD["PACC_ISPDB_URL"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["mechanism"], "pacc-srv")
        self.assertNotIn(attempt(o, "ispdb")["outcome"], ("ok", "failed"))


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    env_file = os.environ.get("PACC_WORLD_ENV")
    if not env_file or not os.path.exists(env_file):
        print("PACC_WORLD_ENV not set: the test world is not running; "
              "run tests/run", file=sys.stderr)
        sys.exit(77)
    WORLD = load_env(env_file)
    unittest.main(verbosity=2)
