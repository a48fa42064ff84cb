#!/usr/bin/python3
"""`pacc probe` against the real test world (tests/world) and against the
hostile servers of tests/hostile/fake_mail.py.

Run by meson: test_probe_cli.py PACC_BINARY.  The world must be running;
its env file is named by $PACC_WORLD_ENV (exit 77, skipped, without it).
Every --json output is validated against doc/probe.schema.json.

The hostile servers listen on 127.0.0.1 (ports of the kernel's choosing)
with certificates made at test time whose SAN holds IP:127.0.0.1, so the
URLs are address literals (imap://127.0.0.1:PORT) and the certificate is
verified as an IP-ID (RFC 9525 §6.2): no DNS name is needed for them.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(TOP, "doc", "probe.schema.json")
FAKE_MAIL = os.path.join(TOP, "tests", "hostile", "fake_mail.py")
PACC = None
WORLD = {}
TIMEOUT = 5.0
_schema = None

sys.dont_write_bytecode = True


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
    global _schema
    import jsonschema
    if _schema is None:
        with open(SCHEMA, encoding="utf-8") as f:
            _schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(_schema)
    jsonschema.Draft202012Validator(_schema).validate(obj)


def world_args(ca=None):
    return ["--resolver", WORLD["PACC_RESOLVER"],
            "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
            "--ca-file", ca or WORLD["PACC_CA_FILE"]]


def run(*args, timeout=TIMEOUT, json_out=True, ca=None):
    """pacc probe [--json] ARGS; returns (rc, obj or text, elapsed, err)."""
    cmd = [PACC, "probe"] + (["--json"] if json_out else []) + \
        world_args(ca) + ["--timeout", str(timeout)] + list(args)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, timeout=3 * timeout + 20)
    elapsed = time.monotonic() - t0
    err = p.stderr.decode("utf-8", "replace")
    # ASan/LSan reports would land here
    assert "Sanitizer" not in err and "runtime error" not in err, err
    out = p.stdout.decode("utf-8")
    if not json_out:
        return p.returncode, out, elapsed, err
    try:
        obj = json.loads(out)
    except ValueError as e:
        raise AssertionError("not one JSON object on stdout (%s): %r\n"
                             "stderr: %s" % (e, out[:500], err[:2000]))
    validate(obj)
    return p.returncode, obj, elapsed, err


def servers(*urls):
    out = []
    for u in urls:
        out += ["--server", u]
    return out


def one(testcase, url, *extra, expect_rc=0, **kw):
    rc, o, el, err = run(*(servers(url) + list(extra)), **kw)
    testcase.assertEqual(rc, expect_rc, json.dumps(o, indent=1) + err)
    testcase.assertEqual(len(o["servers"]), 1)
    return o["servers"][0], o, el


class MailWorld(unittest.TestCase):
    """Dovecot on P.2.1 (every protocol), STARTTLS-only Dovecot on P.2.2,
    Postfix on P.2.3."""

    def check_ok(self, s, proto, port, tls, host):
        self.assertEqual(s["status"], "ok", s["detail"])
        self.assertIsNone(s["code"])
        self.assertFalse(s["security_finding"])
        self.assertEqual(s["protocol"], proto)
        self.assertEqual(s["port"], port)
        self.assertEqual(s["tls"], tls)
        self.assertEqual(s["host"], host)
        self.assertEqual(s["origin"], "url")
        self.assertIsNone(s["url"])
        self.assertIsNone(s["http"])
        t = s["tls_session"]
        self.assertTrue(t["verified"])
        self.assertIn(t["version"], ("TLSv1.2", "TLSv1.3"))
        self.assertTrue(t["cipher"])
        self.assertEqual(t["verify_name"], host)
        self.assertIsNone(t["verify_error"])
        self.assertIn("pacc test world", t["issuer"])
        self.assertRegex(t["not_after"], r"^\d{4}-\d\d-\d\dT")
        self.assertEqual(s["dnssec"], "secure")
        self.assertTrue(s["peer"].startswith(WORLD["PACC_WORLD_PREFIX"]))
        self.assertTrue(s["capabilities_over_tls"])
        self.assertIn("PLAIN", s["sasl"])
        self.assertIn("password", s["auth_offered"])
        self.assertEqual(sorted(s["auth"]), ["oauth2", "password"])
        self.assertIn("password", s["auth_usable"])
        self.assertEqual(s["starttls_offered"], tls == "starttls")
        self.assertTrue(s["greeting"])

    def test_imaps(self):
        s, _, _ = one(self, "imaps://mail.srv.example")
        self.check_ok(s, "imap", 993, "implicit", "mail.srv.example")
        self.assertIn("IMAP4rev1", s["capabilities"])
        self.assertTrue(s["greeting"].startswith("* OK"))
        self.assertFalse(s["login_disabled"])

    def test_imap_starttls(self):
        s, _, _ = one(self, "imap://mail.srv.example")
        self.check_ok(s, "imap", 143, "starttls", "mail.srv.example")
        # LOGINDISABLED before TLS (disable_plaintext_auth), not after
        self.assertFalse(s["login_disabled"])
        self.assertNotIn("LOGINDISABLED", s["capabilities"])
        self.assertNotIn("STARTTLS", s["capabilities"])
        self.assertIn("AUTH=PLAIN", s["capabilities"])

    def test_pop3s(self):
        s, _, _ = one(self, "pop3s://mail.srv.example")
        self.check_ok(s, "pop3", 995, "implicit", "mail.srv.example")
        self.assertTrue(s["greeting"].startswith("+OK"))

    def test_pop3_stls(self):
        s, _, _ = one(self, "pop3://mail.srv.example")
        self.check_ok(s, "pop3", 110, "starttls", "mail.srv.example")
        self.assertNotIn("STLS", s["capabilities"])

    def test_submissions(self):
        s, _, _ = one(self, "submissions://mail.srv.example")
        self.check_ok(s, "smtp", 465, "implicit", "mail.srv.example")
        self.assertTrue(s["greeting"].startswith("220 "))

    def test_submission_starttls(self):
        s, _, _ = one(self, "submission://mail.srv.example")
        self.check_ok(s, "smtp", 587, "starttls", "mail.srv.example")

    def test_sieve(self):
        s, _, _ = one(self, "sieve://mail.srv.example")
        self.check_ok(s, "managesieve", 4190, "starttls", "mail.srv.example")
        # RFC 5804 §1.7: "NAME" ["value"], kept as "NAME value"
        self.assertTrue(any(c.startswith("SIEVE ") and "fileinto" in c
                            for c in s["capabilities"]), s["capabilities"])
        self.assertIn("VERSION 1.0", s["capabilities"])

    def test_postfix(self):
        for url, port, tls in (("submission://smtp.mta.example", 587,
                                "starttls"),
                               ("submissions://smtp.mta.example:465", 465,
                                "implicit")):
            s, _, _ = one(self, url)
            self.check_ok(s, "smtp", port, tls, "smtp.mta.example")
            self.assertIn("Postfix", s["greeting"])

    def test_starttls_only_dovecot(self):
        # P.2.2: 143/110/587 only; the implicit-TLS ports refuse
        s, _, _ = one(self, "imap://mail.guessstarttls.example")
        self.check_ok(s, "imap", 143, "starttls",
                      "mail.guessstarttls.example")
        s, _, _ = one(self, "imaps://mail.guessstarttls.example",
                      expect_rc=1)
        self.assertEqual(s["status"], "failed")
        self.assertEqual(s["code"], "connect-failed")
        self.assertFalse(s["security_finding"])
        self.assertEqual(s["auth_offered"], [])

    def test_all_at_once(self):
        urls = ["imaps://mail.srv.example", "imap://mail.srv.example",
                "pop3s://mail.srv.example", "pop3://mail.srv.example",
                "submissions://mail.srv.example",
                "submission://mail.srv.example", "sieve://mail.srv.example",
                "submission://smtp.mta.example",
                "caldav+https://dav.srv.example/cal/",
                "jmap+https://jmap.srv.example/session"]
        rc, o, el, err = run(*servers(*urls), "alice@srv.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["address"], "alice@srv.example")
        self.assertNotIn("discovery", o)
        self.assertEqual(o["summary"], {"total": 10, "ok": 10, "failed": 0,
                                        "security_findings": 0})
        self.assertEqual([s["protocol"] for s in o["servers"]],
                         ["imap", "imap", "pop3", "pop3", "smtp", "smtp",
                          "managesieve", "smtp", "caldav", "jmap"])
        # all at once (a hang bound; speed is measured in bench/, not here)
        self.assertLess(el, 2 * TIMEOUT + 5)  # a hang bound only

    def test_text_output(self):
        rc, out, _, err = run(*servers("imap://mail.srv.example",
                                       "jmap+https://jmap.srv.example/"
                                       "session"), json_out=False)
        self.assertEqual(rc, 0, err)
        self.assertIn("imap        mail.srv.example:143 (STARTTLS)  OK", out)
        self.assertIn("certificate verified for mail.srv.example", out)
        self.assertIn("sasl          PLAIN", out)
        self.assertIn('Bearer realm="JMAP", resource_metadata="https://'
                      'jmap.srv.example/.well-known/oauth-protected-'
                      'resource"', out)
        self.assertIn("2 servers: 2 ok, 0 failed", out)

    def test_no_address(self):
        s, _, _ = one(self, "imaps://nothere.srv.example", expect_rc=1)
        self.assertEqual(s["code"], "no-address")
        self.assertIsNone(s["tls_session"])


class HttpWorld(unittest.TestCase):
    """Radicale behind nginx (dav.<domain>), the JMAP stub, and nginx's
    hostile variants (wrong certificate, stall)."""

    def test_radicale_caldav_basic(self):
        s, _, _ = one(self, "caldav+https://dav.srv.example/cal/")
        self.assertEqual(s["status"], "ok", s["detail"])
        self.assertEqual(s["protocol"], "caldav")
        self.assertEqual(s["url"], "https://dav.srv.example/cal/")
        self.assertEqual(s["host"], "dav.srv.example")
        self.assertEqual(s["port"], 443)
        h = s["http"]
        self.assertEqual(h["status"], 401)
        self.assertEqual([c["scheme"] for c in h["challenges"]], ["Basic"])
        self.assertTrue(h["challenges"][0]["params"]["realm"])
        self.assertIsNone(h["resource_metadata"])
        self.assertFalse(h["challenges_incomplete"])
        self.assertEqual(s["auth_offered"], ["password"])
        self.assertEqual(s["auth_usable"], ["password"])
        self.assertTrue(s["tls_session"]["verified"])
        self.assertEqual(s["tls_session"]["verify_name"], "dav.srv.example")
        self.assertEqual(s["dnssec"], "secure")
        self.assertEqual(s["greeting"], None)
        self.assertEqual(s["sasl"], [])

    def test_carddav(self):
        s, _, _ = one(self, "carddav+https://dav.srv.example/card/")
        self.assertEqual(s["http"]["status"], 401)
        self.assertEqual(s["auth_offered"], ["password"])

    def test_jmap_basic_and_bearer(self):
        s, _, _ = one(self, "jmap+https://jmap.srv.example/session")
        h = s["http"]
        self.assertEqual(h["status"], 401)
        by = {c["scheme"]: c for c in h["challenges"]}
        self.assertEqual(sorted(by), ["Basic", "Bearer"])
        self.assertEqual(by["Basic"]["params"], {"realm": "JMAP"})
        rm = "https://jmap.srv.example/.well-known/oauth-protected-resource"
        self.assertEqual(by["Bearer"]["params"]["resource_metadata"], rm)
        self.assertEqual(by["Bearer"]["params"]["realm"], "JMAP")
        self.assertEqual(h["resource_metadata"], rm)
        self.assertEqual(sorted(s["auth_offered"]), ["oauth2", "password"])
        self.assertEqual(sorted(s["auth_usable"]), ["oauth2", "password"])

    def test_jmap_well_known_redirect(self):
        # no path: RFC 8620 §2.2 /.well-known/jmap, which answers 301
        s, _, _ = one(self, "jmap+https://jmap.srv.example")
        self.assertEqual(s["url"], "https://jmap.srv.example/.well-known/jmap")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["http"]["status"], 301)
        self.assertEqual(s["http"]["location"],
                         "https://jmap.srv.example/session")
        # only a 401 says which methods the resource takes
        self.assertEqual(s["auth_offered"], [])

    def test_http_status_failure(self):
        s, _, _ = one(self, "jmap+https://jmap.srv.example/nothere",
                      expect_rc=1)
        self.assertEqual(s["code"], "http-status")
        self.assertEqual(s["http"]["status"], 404)
        self.assertFalse(s["security_finding"])

    def test_wrong_certificate(self):
        s, _, _ = one(self, "jmap+https://ua-auto-config.wrongcert.example/",
                      expect_rc=3)
        self.assertEqual(s["code"], "cert-invalid")
        self.assertTrue(s["security_finding"])
        self.assertFalse(s["tls_session"]["verified"])
        self.assertTrue(s["tls_session"]["verify_error"])
        self.assertIn("not-the-host.invalid", s["tls_session"]["subject"])
        self.assertIsNone(s["http"]["status"])
        self.assertEqual(s["auth_offered"], [])

    def test_stall_is_bounded(self):
        s, _, el = one(self, "caldav+https://ua-auto-config.stall.example/",
                       expect_rc=1, timeout=1.5)
        self.assertEqual(s["code"], "timeout")
        self.assertLess(el, 2 * 1.5 + 5)


class DiscoverThenProbe(unittest.TestCase):
    def test_srv_example(self):
        rc, o, _, err = run("alice@srv.example")
        self.assertEqual(rc, 0, json.dumps(o, indent=1) + err)
        self.assertEqual(o["address"], "alice@srv.example")
        d = o["discovery"]
        self.assertEqual(d["status"], "found")
        self.assertEqual(d["mechanism"], "srv")
        self.assertEqual(d["confirm"]["domains"], ["srv.example"])
        protos = [s["protocol"] for s in o["servers"]]
        for p in ("imap", "pop3", "smtp", "caldav", "carddav", "jmap",
                  "managesieve"):
            self.assertIn(p, protos)
        for s in o["servers"]:
            self.assertEqual(s["origin"], "discovery")
            self.assertEqual(s["status"], "ok", s["detail"])
            self.assertEqual(s["username"], "alice@srv.example")
            self.assertEqual(s["auth"], ["password"])
            self.assertTrue(s["tls_session"]["verified"])
        imap = [s for s in o["servers"] if s["protocol"] == "imap"]
        self.assertEqual([(s["port"], s["tls"]) for s in imap],
                         [(993, "implicit"), (143, "starttls")])
        self.assertEqual(imap[0]["auth_usable"], ["password"])
        cal = [s for s in o["servers"] if s["protocol"] == "caldav"][0]
        self.assertEqual(cal["url"], "https://dav.srv.example/cal/")
        self.assertEqual(cal["http"]["status"], 401)
        self.assertEqual(cal["auth_usable"], ["password"])
        self.assertEqual(o["summary"]["failed"], 0)

    def test_text(self):
        rc, out, _, err = run("alice@srv.example", json_out=False)
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("alice@srv.example\n"
                                       "  discovery: found via srv\n"), out)
        self.assertIn("managesieve mail.srv.example:4190 (STARTTLS)  OK", out)

    def test_integrity_failure_probes_nothing(self):
        rc, o, _, err = run("alice@bogus.example")
        self.assertEqual(rc, 3, err)
        self.assertEqual(o["discovery"]["status"], "integrity-failure")
        self.assertEqual(o["servers"], [])
        self.assertEqual(o["summary"]["total"], 0)

    def test_not_found_probes_nothing(self):
        rc, o, _, err = run("alice@nxdomain-nothing.example", "--ispdb-url",
                            "", "--mechanisms", "pacc,srv,autoconfig")
        self.assertEqual(rc, 1, err)
        self.assertEqual(o["discovery"]["status"], "not-found")
        self.assertIsNone(o["discovery"]["mechanism"])
        self.assertEqual(o["servers"], [])


class Usage(unittest.TestCase):
    def usage(self, *args):
        p = subprocess.run([PACC, "probe"] + list(args), capture_output=True,
                           timeout=20)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, b"")
        return p.stderr.decode()

    def test_bad_urls(self):
        cases = {
            "http://mail.example": "unknown scheme 'http'",
            "https://dav.example/": "jmap+https://",
            "imaps://alice:pw@mail.example": "no user name or password",
            "imaps://mail.example/INBOX": "takes no path",
            "imaps://mail.example:0": "port 0",
            "imaps://mail.example:70000": "port 70000",
            "imaps://mail.example:x": "a number from 1 to 65535",
            "imaps://::1": "must be in brackets",
            "imaps://[::1": "without ']'",
            "imaps://[zz::1]": "not an IPv6 address",
            "imaps://bad_host.example": "not a valid host name",
            "imaps://": "no host name",
            "mail.example": "expected SCHEME://HOST[:PORT]",
            "caldav+https://dav.example/a b": "percent-encoded",
            "jmap+https://jmap.example/#x": "no fragment",
        }
        for url, msg in cases.items():
            err = self.usage("--server", url)
            self.assertIn("--server '%s'" % url, err)
            self.assertIn(msg, err, url)

    def test_arguments(self):
        self.assertIn("one ADDRESS", self.usage())
        self.assertIn("one ADDRESS", self.usage("a@example.com",
                                                "b@example.com"))

    def test_url_forms_accepted(self):
        # U-labels, a trailing dot, upper case, IPv6 literals: only checked
        # here (no server behind them), so a tiny timeout
        for url in ("IMAPS://MAIL.SRV.EXAMPLE.", "imaps://[::1]:1",
                    "caldav+https://bücher.example/cal/?x=1"):
            p = subprocess.run([PACC, "probe", "--json", "--timeout", "0.3",
                                "--resolver", "127.0.0.1@1", "--server",
                                url], capture_output=True, timeout=20)
            self.assertNotEqual(p.returncode, 2, p.stderr)
            o = json.loads(p.stdout)
            validate(o)
            s = o["servers"][0]
            if "bücher" in url:
                self.assertEqual(s["host"], "xn--bcher-kva.example")
                self.assertEqual(
                    s["url"], "https://xn--bcher-kva.example/cal/?x=1")
            elif "MAIL" in url:
                self.assertEqual(s["host"], "mail.srv.example")
            else:
                self.assertEqual(s["host"], "::1")
                self.assertEqual(s["code"], "connect-failed")

    def test_resolver_unusable_is_environment(self):
        pre = WORLD["PACC_WORLD_PREFIX"]
        p = subprocess.run([PACC, "probe", "--json", "--timeout", "1.5",
                            "--resolver", pre + ".9.9",
                            "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
                            "--server", "imaps://mail.srv.example"],
                           capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 4, p.stderr)
        o = json.loads(p.stdout)
        validate(o)
        self.assertEqual(o["error"]["code"], "resolver-error")


class Hostile(unittest.TestCase):
    """fake_mail.py on 127.0.0.1; its certificates have IP:127.0.0.1."""

    proc = None
    tmp = None
    ports = {}

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pacc-probe-fake-")
        cls.proc = subprocess.Popen(
            ["/usr/bin/python3", FAKE_MAIL, "--certdir", cls.tmp,
             "--make-certs", "--addr", "127.0.0.1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        for raw in cls.proc.stdout:
            line = raw.decode().strip()
            if line == "READY":
                break
            name, port = line.split()
            cls.ports[name] = int(port)
            if time.monotonic() > deadline:
                break
        if "sieve_starttls" not in cls.ports:
            cls.tearDownClass()
            raise RuntimeError("fake_mail.py did not start")
        cls.ca = os.path.join(cls.tmp, "ca.pem")

    @classmethod
    def tearDownClass(cls):
        if cls.proc and cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            try:
                cls.proc.wait(5)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        if cls.proc:
            cls.proc.stdout.close()
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def url(self, scheme, name):
        return "%s://127.0.0.1:%d" % (scheme, self.ports[name])

    def probe(self, scheme, name, expect_rc, timeout=TIMEOUT):
        s, o, el = one(self, self.url(scheme, name), expect_rc=expect_rc,
                       ca=self.ca, timeout=timeout)
        self.assertEqual(s["host"], "127.0.0.1")
        self.assertEqual(s["dnssec"], "n/a")
        return s, el

    def log(self, name):
        try:
            with open(os.path.join(self.tmp, name + ".log")) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def assert_no_credentials_sent(self, name):
        for line in self.log(name):
            verb = line.split(" ")[1].upper() if " " in line else line
            self.assertNotIn(verb, ("LOGIN", "AUTHENTICATE", "AUTH", "USER",
                                    "PASS"), line)

    def test_good_servers(self):
        for scheme, name, offered in (
                ("imaps", "imaps_ok", ["password", "oauth2"]),
                ("imap", "imap_starttls", ["password"]),
                ("submissions", "smtps_ok", ["password", "oauth2"]),
                ("submission", "smtp_starttls", ["password"]),
                ("pop3s", "pop3s_ok", ["password", "oauth2"]),
                ("pop3", "pop3_stls", ["password"]),
                ("sieve", "sieve_starttls", ["password", "oauth2"])):
            s, _ = self.probe(scheme, name, 0)
            self.assertEqual(s["status"], "ok", s["detail"])
            self.assertEqual(s["tls_session"]["verify_name"], "127.0.0.1")
            self.assertTrue(s["tls_session"]["verified"])
            self.assertEqual(sorted(s["auth_offered"]), sorted(offered),
                             name)
            self.assert_no_credentials_sent(name)

    def test_smtp_auth_lines(self):
        s, _ = self.probe("submissions", "smtps_ok", 0)
        self.assertEqual(s["sasl"], ["PLAIN", "LOGIN", "XOAUTH2"])

    def test_starttls_offered_then_loginenabled(self):
        s, _ = self.probe("imap", "imap_starttls", 0)
        self.assertTrue(s["starttls_offered"])
        self.assertFalse(s["login_disabled"])
        self.assertTrue(s["capabilities_over_tls"])

    def test_no_starttls_is_stripping(self):
        s, _ = self.probe("imap", "imap_nostarttls", 3)
        self.assertEqual(s["code"], "starttls-unavailable")
        self.assertTrue(s["security_finding"])
        self.assertFalse(s["starttls_offered"])
        self.assertFalse(s["capabilities_over_tls"])
        # the plaintext AUTH=PLAIN is for diagnosis, never "offered"
        self.assertIn("AUTH=PLAIN", s["capabilities"])
        self.assertEqual(s["auth_offered"], [])
        self.assertEqual(s["auth_usable"], [])
        self.assertIsNone(s["tls_session"])
        self.assert_no_credentials_sent("imap_nostarttls")

    def test_injection(self):
        for name in ("imap_inject", "imap_inject_late"):
            s, _ = self.probe("imap", name, 3)
            self.assertEqual(s["code"], "starttls-injection", name)
            self.assertTrue(s["security_finding"])
            self.assertEqual(s["auth_offered"], [])
            self.assert_no_credentials_sent(name)

    def test_wrong_certificate(self):
        s, _ = self.probe("imaps", "wrongname", 3)
        self.assertEqual(s["code"], "cert-invalid")
        t = s["tls_session"]
        self.assertFalse(t["verified"])
        self.assertTrue(t["verify_error"])
        self.assertIn("other.fake.example", t["subject"])
        self.assertIsNone(s["greeting"])

    def test_cn_only_certificate(self):
        # RFC 9525 §6.3: the CN is not a reference identity (and the
        # literal is not in a SAN either)
        s, _ = self.probe("imaps", "cnonly", 3)
        self.assertEqual(s["code"], "cert-invalid")

    def test_tls10(self):
        s, _ = self.probe("imaps", "tls10", 3)
        self.assertEqual(s["code"], "tls-version")
        self.assertTrue(s["security_finding"])

    def test_endless_line(self):
        s, el = self.probe("imap", "imap_endless", 1, timeout=2)
        self.assertEqual(s["code"], "line-too-long")
        self.assertLess(el, 2 * 2 + 5)

    def test_flood(self):
        s, el = self.probe("imap", "imap_flood", 1, timeout=2)
        self.assertIn(s["code"], ("too-large", "line-too-long", "timeout"))
        self.assertLess(el, 2 * 2 + 5)

    def test_stall_and_drip_cost_one_deadline(self):
        for name in ("stall", "imap_drip"):
            s, el = self.probe("imap", name, 1, timeout=1.5)
            self.assertEqual(s["code"], "timeout", name)
            self.assertFalse(s["security_finding"])
            self.assertGreater(el, 1.4)
            self.assertLess(el, 2 * 1.5 + 5)

    def test_bye_greeting(self):
        s, _ = self.probe("imaps", "imap_bye", 1)
        # plaintext on an implicit-TLS port: TLS fails first
        self.assertIn(s["code"], ("tls-error", "greeting"))
        s, _ = self.probe("imap", "imap_bye", 1)
        self.assertEqual(s["code"], "greeting")

    def test_everything_at_once(self):
        names = [("imaps", "imaps_ok"), ("imap", "imap_nostarttls"),
                 ("imap", "imap_inject"), ("imap", "stall"),
                 ("imap", "imap_drip"), ("imap", "imap_endless"),
                 ("imaps", "wrongname"), ("pop3", "pop3_stls")]
        rc, o, el, err = run(*servers(*[self.url(a, b) for a, b in names]),
                             ca=self.ca, timeout=2)
        self.assertEqual(rc, 3, err)  # security outranks the rest
        self.assertEqual(o["summary"]["total"], len(names))
        self.assertEqual(o["summary"]["ok"], 2)
        self.assertEqual(o["summary"]["security_findings"], 3)
        codes = [s["code"] for s in o["servers"]]
        self.assertEqual(codes, [None, "starttls-unavailable",
                                 "starttls-injection", "timeout", "timeout",
                                 "line-too-long", "cert-invalid", None])
        # bounded by the deadline (hang bound, not speed)
        self.assertLess(el, 2 * 2 + 5)


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    env_file = os.environ.get("PACC_WORLD_ENV")
    if not env_file or not os.path.exists(env_file):
        print("PACC_WORLD_ENV not set: the test world is not running; "
              "run tests/run", file=sys.stderr)
        sys.exit(77)
    WORLD = load_env(env_file)
    unittest.main(verbosity=2)
