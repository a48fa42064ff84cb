#!/usr/bin/python3
"""`pacc discover --doh URL`: the DNS cross-check over DNS-over-HTTPS.

Run by meson: test_crosscheck.py PACC_BINARY.  The world must be running;
its env file is named by $PACC_WORLD_ENV.  The world's own DoH endpoint
($PACC_DOH_URL: nginx in front of Unbound) must agree with the resolver; a
DoH URL that does not answer is an error, not a finding; and a lying DoH
server (tests/hostile/doh_liar.py, started here on $PREFIX.1.9:443 with a
certificate made from the world's CA for that IP address) makes the answer
an integrity failure.  Every JSON object is validated against
doc/discover.schema.json.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(TOP, "doc", "discover.schema.json")
LIAR = os.path.join(TOP, "tests", "hostile", "doh_liar.py")
PACC = None
WORLD = {}
TIMEOUT = 3.0
LIE = "192.0.2.66"


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


def base_cmd(timeout):
    return [PACC, "discover", "--resolver", WORLD["PACC_RESOLVER"],
            "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
            "--ca-file", WORLD["PACC_CA_FILE"], "--timeout", str(timeout)]


def discover(address, doh, *extra, timeout=TIMEOUT):
    cmd = base_cmd(timeout) + ["--json", "--doh", doh, *extra, address]
    t0 = time.monotonic()
    # the cross-check may add up to 5 s to the deadline
    p = subprocess.run(cmd, capture_output=True, timeout=2 * timeout + 15)
    elapsed = time.monotonic() - t0
    try:
        obj = json.loads(p.stdout.decode("utf-8"))
    except ValueError as e:
        raise AssertionError("not one JSON object on stdout (%s): %r\n"
                             "stderr: %s" % (e, p.stdout[:500],
                                             p.stderr.decode()[:2000]))
    validate(obj)
    return p.returncode, obj, elapsed, p.stderr.decode("utf-8", "replace")


def text(address, doh, timeout=TIMEOUT):
    p = subprocess.run(base_cmd(timeout) + ["--doh", doh, address],
                       capture_output=True, timeout=2 * timeout + 15)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def questions_of(o):
    return o["crosscheck"]["questions"]


class Agree(unittest.TestCase):
    """The world's DoH server and resolver see the same zones."""

    def check_agree(self, address, mechanism):
        rc, o, _, err = discover(address, WORLD["PACC_DOH_URL"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], mechanism)
        x = o["crosscheck"]
        self.assertEqual(x["doh"], WORLD["PACC_DOH_URL"])
        self.assertIs(x["agree"], True, x)
        self.assertEqual(x["differences"], [])
        self.assertEqual(x["errors"], [])
        self.assertGreaterEqual(x["questions"], 3)
        self.assertLessEqual(x["questions"], 32)
        return o

    def test_pacc_domain(self):
        o = self.check_agree("alice@secure.example", "pacc")
        # TXT + A/AAAA of ua-auto-config, A/AAAA of jmap, imap, smtp, dav
        # and auth (the issuer): 13
        self.assertEqual(questions_of(o), 13)
        self.assertFalse(o["confirm"]["required"])

    def test_srv_domain(self):
        o = self.check_agree("alice@srv.example", "srv")
        # at least one SRV name per server plus the targets' addresses
        self.assertGreaterEqual(questions_of(o), len(o["servers"]) + 2)

    def test_mx_fallback(self):
        o = self.check_agree("alice@mxhost.example", "pacc-mx")
        # MX, TXT _mta-sts, A/AAAA mta-sts, TXT + A/AAAA per MX name ...
        self.assertGreaterEqual(questions_of(o),
                                4 + 3 * len(o["mx"]["hosts"]))

    def test_text_line(self):
        rc, out = text("alice@secure.example", WORLD["PACC_DOH_URL"])
        self.assertEqual(rc, 0, out)
        self.assertIn("DNS cross-check over DoH: agree (13 questions)", out)

    def test_integrity_failure_checked_too(self):
        # the answer is the PACC integrity failure; its questions agree
        rc, o, _, err = discover("bob@mismatch.example",
                                 WORLD["PACC_DOH_URL"])
        self.assertEqual(rc, 3, err)
        self.assertEqual(o["status"], "integrity-failure")
        self.assertIs(o["crosscheck"]["agree"], True)

    def test_not_run_without_an_answer(self):
        rc, o, _, err = discover("alice@absent.example",
                                 WORLD["PACC_DOH_URL"],
                                 "--mechanisms", "pacc,pacc-mx,srv")
        self.assertEqual(rc, 1, err)
        self.assertNotIn("crosscheck", o)


class TransportErrors(unittest.TestCase):
    """No usable DoH answer is an error, never a disagreement."""

    def test_doh_404(self):
        url = WORLD["PACC_DOH_URL"].rsplit("/", 1)[0] + "/nowhere"
        rc, o, _, err = discover("alice@secure.example", url)
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "found")
        x = o["crosscheck"]
        self.assertIsNone(x["agree"])
        self.assertEqual(x["differences"], [])
        self.assertEqual(len(x["errors"]), x["questions"])
        for e in x["errors"]:
            self.assertIn("DoH: ", e)
        # nginx may reset an HTTP/2 stream whose body it did not read
        # (curl: "Stream error in the HTTP/2 framing layer"): still an error
        self.assertTrue(any("answered HTTP 404" in e for e in x["errors"]),
                        x["errors"])

    def test_doh_never_answers_is_bounded(self):
        url = "https://%s/dns-query" % WORLD["PACC_STALL_IP"]
        rc, o, elapsed, err = discover("alice@secure.example", url,
                                       timeout=2)
        self.assertEqual(rc, 0, err)
        self.assertIsNone(o["crosscheck"]["agree"])
        self.assertTrue(o["crosscheck"]["errors"])
        # the cross-check's budget is the time left, at least 1 s
        self.assertLess(elapsed, 2 * 2 + 5)  # a hang bound, not a speed test

    def test_plain_http_is_a_usage_error(self):
        p = subprocess.run(base_cmd(TIMEOUT) + [
            "--doh", "http://doh.world.example/dns-query",
            "alice@secure.example"], capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"--doh", p.stderr)


class Liar(unittest.TestCase):
    """A DoH server that answers every A query with 192.0.2.66."""

    proc = None
    tmp = None
    url = None

    @classmethod
    def setUpClass(cls):
        prefix = WORLD.get("PACC_WORLD_PREFIX") or \
            os.environ.get("PACC_WORLD_PREFIX", "127.53")
        ip = prefix + ".1.9"
        cls.tmp = tempfile.mkdtemp(prefix="pacc-doh-liar-")
        key = os.path.join(cls.tmp, "key.pem")
        csr = os.path.join(cls.tmp, "req.csr")
        crt = os.path.join(cls.tmp, "cert.pem")
        ext = os.path.join(cls.tmp, "ext.cnf")
        with open(ext, "w", encoding="ascii") as f:
            f.write("subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n"
                    "basicConstraints=CA:FALSE\n" % ip)
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", key, "-subj", "/CN=" + ip, "-out", csr],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "x509", "-req", "-in", csr,
                        "-CA", WORLD["PACC_CA_FILE"],
                        "-CAkey", WORLD["PACC_CA_KEY"],
                        "-set_serial", str(int(time.time() * 1000)),
                        "-days", "2", "-sha256", "-extfile", ext,
                        "-out", crt], check=True, capture_output=True)
        cls.log = open(os.path.join(cls.tmp, "liar.log"), "wb")
        cls.proc = subprocess.Popen(
            ["/usr/bin/python3", LIAR, ip, "443", "--cert", crt,
             "--key", key, "--upstream", WORLD["PACC_RESOLVER"],
             "--lie", LIE], stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((ip, 443), timeout=0.5).close()
                break
            except OSError:
                if cls.proc.poll() is not None or \
                        time.monotonic() > deadline:
                    cls.tearDownClass()
                    raise
                time.sleep(0.05)
        # an address literal: the liar's own name needs no DNS
        cls.url = "https://%s/dns-query" % ip

    @classmethod
    def tearDownClass(cls):
        if cls.proc and cls.proc.poll() is None:
            cls.proc.terminate()
            try:
                cls.proc.wait(5)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        if getattr(cls, "log", None):
            cls.log.close()
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_lie(self, address, mechanism):
        rc, o, _, err = discover(address, self.url)
        self.assertEqual(rc, 3, err)
        self.assertEqual(o["status"], "integrity-failure")
        self.assertEqual(o["mechanism"], mechanism)
        self.assertEqual(o["servers"], [])
        self.assertTrue(o["confirm"]["required"])
        for c in o["candidates"]:
            self.assertFalse(c["usable"])
        x = o["crosscheck"]
        self.assertIs(x["agree"], False)
        self.assertEqual(x["doh"], self.url)
        self.assertTrue(x["differences"])
        for d in x["differences"]:
            # only A queries are lied about; the rest is forwarded
            self.assertEqual(d["type"], "A", d)
            self.assertEqual(d["doh"], [LIE])
            self.assertTrue(d["resolver"])
            self.assertNotIn(LIE, d["resolver"])
        self.assertEqual(x["errors"], [])
        return o

    def test_pacc_domain(self):
        o = self.check_lie("alice@secure.example", "pacc")
        names = {d["name"] for d in o["crosscheck"]["differences"]}
        self.assertIn("ua-auto-config.secure.example", names)
        self.assertIn("imap.secure.example", names)
        # the attempt itself was fine: the finding is the cross-check's
        pacc = [a for a in o["attempts"] if a["mechanism"] == "pacc"][0]
        self.assertEqual(pacc["outcome"], "ok")

    def test_srv_domain(self):
        self.check_lie("alice@srv.example", "srv")

    def test_text_output(self):
        rc, out = text("alice@secure.example", self.url)
        self.assertEqual(rc, 3, out)
        self.assertIn("integrity-failure", out)
        self.assertIn("DNS cross-check over DoH: DIFFERENT answers", out)
        self.assertIn("A imap.secure.example: resolver ", out)
        self.assertIn("DoH " + LIE, out)


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    env_file = os.environ.get("PACC_WORLD_ENV")
    if not env_file or not os.path.exists(env_file):
        print("PACC_WORLD_ENV not set: the test world is not running; "
              "run tests/run", file=sys.stderr)
        sys.exit(77)
    WORLD = load_env(env_file)
    if "PACC_DOH_URL" not in WORLD:
        print("the test world has no DoH endpoint (PACC_DOH_URL)",
              file=sys.stderr)
        sys.exit(77)
    unittest.main(verbosity=2)
