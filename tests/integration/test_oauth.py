#!/usr/bin/python3
"""`pacc login --oauth` against the test world's OAuth part (issue 5).

Run by meson: test_oauth.py PACC_BINARY.  The world must be running; its env
file is named by $PACC_WORLD_ENV.  Glewlwyd is the real authorization server
(issuer PACC_OAUTH_ISSUER), a Dovecot takes OAUTHBEARER/XOAUTH2 only, JMAP
and DAV take Bearer; tests/hostile/fake_as.py lies in one way per mode
(<mode>.liar.example).  The browser step is PACC_OAUTH_BROWSER
(tests/world/oauth_browser.py): it performs the login page's HTTP calls and
finally requests pacc's loopback redirect URI.

Every run gets its own XDG_STATE_HOME (the client-id cache) under one
temporary directory; the JSON output is validated against
doc/login.schema.json.
"""
import json
import os
import select
import stat
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(TOP, "doc", "login.schema.json")
PREFIX = "pacc: open this URL to authorize: "
PACC = None
WORLD = {}
TMP = None


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
    jsonschema.Draft202012Validator(schema).validate(obj)


def common():
    return ["--resolver", WORLD["PACC_RESOLVER"], "--trust-anchor",
            WORLD["PACC_TRUST_ANCHOR"], "--ca-file", WORLD["PACC_CA_FILE"]]


class Run:
    """One `pacc login` with the browser step driven by the test."""

    def __init__(self, args, state, browse=True, wait=60):
        env = dict(os.environ)
        env["XDG_STATE_HOME"] = state
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        cmd = [PACC, "login", "--yes", "--no-browser", "--json"] + \
            common() + args
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env)
        err = b""
        self.url = None
        self.browser = None
        # read standard error until the URL line (or the end)
        while time.monotonic() - t0 < wait and self.url is None:
            r, _, _ = select.select([p.stderr], [], [], 0.5)
            if not r:
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(p.stderr.fileno(), 4096)
            if not chunk:
                break
            err += chunk
            for line in err.decode("utf-8", "replace").splitlines(True):
                if line.startswith(PREFIX) and line.endswith("\n"):
                    self.url = line[len(PREFIX):].strip()
        if self.url and browse:
            benv = dict(os.environ)
            self.browser = subprocess.run(
                ["/usr/bin/python3", WORLD["PACC_OAUTH_BROWSER"], "--quiet",
                 self.url], capture_output=True, timeout=60, env=benv)
        out, rest = p.communicate(timeout=wait)
        self.elapsed = time.monotonic() - t0
        self.rc = p.returncode
        self.stdout = out
        self.stderr = (err + rest).decode("utf-8", "replace")
        try:
            self.obj = json.loads(out.decode("utf-8"))
        except ValueError as e:
            raise AssertionError("not one JSON object on stdout (%s): %r\n"
                                 "stderr: %s" % (e, out[:400], self.stderr))
        validate(self.obj)

    def server(self, proto, port=None):
        for s in self.obj["servers"]:
            if s["protocol"] == proto and (port is None or s["port"] == port):
                return s
        raise AssertionError("no %s server in %s" % (proto, self.obj))

    def url_lines(self):
        return [l for l in self.stderr.splitlines() if l.startswith(PREFIX)]


def mode600(path):
    return stat.S_IMODE(os.stat(path).st_mode) == 0o600


class A_Glewlwyd(unittest.TestCase):
    """The real flow, in order: register, cached client, token file,
    refresh."""

    @classmethod
    def setUpClass(cls):
        cls.state = os.path.join(TMP, "state-glw")
        cls.token = os.path.join(TMP, "token-glw.json")
        cls.address = WORLD["PACC_OAUTH_ADDRESS"]

    def check_logged_in(self, r):
        self.assertEqual(r.rc, 0, r.stderr + json.dumps(r.obj, indent=1))
        self.assertEqual(r.obj["status"], "ok")
        imap = r.server("imap")
        self.assertEqual(imap["class"], "ok", imap)
        self.assertIn(imap["mechanism"], ("OAUTHBEARER", "XOAUTH2"))
        self.assertEqual(r.server("smtp")["class"], "ok")
        for proto in ("jmap", "caldav", "carddav"):
            s = r.server(proto)
            self.assertEqual(s["class"], "ok", s)
            self.assertEqual(s["mechanism"], "BEARER")
        self.assertEqual(r.obj["oauth"]["status"], "ok")
        self.assertEqual(r.obj["oauth"]["issuer"], WORLD["PACC_OAUTH_ISSUER"])

    def test_1_register_authorize_login(self):
        r = Run(["--oauth", "--token-file", self.token, self.address],
                self.state)
        self.assertIsNotNone(r.url, r.stderr)
        # DESIGN §4: exactly one line, fixed prefix
        self.assertEqual(len(r.url_lines()), 1, r.stderr)
        self.assertTrue(r.url.startswith("https://auth.oauth.example/"))
        self.assertIn("code_challenge_method=S256", r.url)
        self.assertEqual(r.browser.returncode, 0,
                         r.browser.stderr.decode()[-2000:])
        self.check_logged_in(r)
        o = r.obj["oauth"]
        self.assertEqual(o["client_id_source"], "registered")
        self.assertEqual(o["token"], "obtained")
        self.assertEqual(o["authorization_host"], "auth.oauth.example")
        self.assertIn("urn:ietf:params:oauth:scope:mail", o["scopes"])
        # state on disk: 0700 directory, 0600 files
        d = os.path.join(self.state, "pacc")
        self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700)
        self.assertTrue(mode600(os.path.join(d, "oauth-clients.json")))
        self.assertTrue(mode600(self.token))
        with open(self.token, encoding="utf-8") as f:
            tok = json.load(f)
        for k in ("issuer", "client_id", "access_token", "refresh_token",
                  "expires_at", "scope"):
            self.assertIn(k, tok)
        # tokens never in the JSON output
        self.assertNotIn(tok["access_token"].encode(), r.stdout)
        self.assertNotIn(tok["access_token"], r.stderr)
        A_Glewlwyd.client_id = o["client_id"]

    def test_2_cached_client_id(self):
        # no token file: a new authorization, with the cached client
        r = Run(["--oauth", self.address], self.state)
        self.assertIsNotNone(r.url, r.stderr)
        self.check_logged_in(r)
        self.assertEqual(r.obj["oauth"]["client_id_source"], "cached")
        self.assertEqual(r.obj["oauth"]["client_id"],
                         getattr(A_Glewlwyd, "client_id", None))
        self.assertEqual(r.obj["oauth"]["token"], "obtained")

    def test_3_token_file_reused(self):
        r = Run(["--oauth", "--token-file", self.token, self.address],
                self.state, browse=False)
        self.assertIsNone(r.url, "no authorization needed: " + r.stderr)
        self.check_logged_in(r)
        self.assertEqual(r.obj["oauth"]["token"], "cached")
        self.assertTrue(mode600(self.token))

    def test_4_expired_token_refreshed(self):
        with open(self.token, encoding="utf-8") as f:
            tok = json.load(f)
        tok["expires_at"] = int(time.time()) - 10
        tok["access_token"] = "junk"
        with open(self.token, "w", encoding="utf-8") as f:
            json.dump(tok, f)
        os.chmod(self.token, 0o600)
        r = Run(["--token-file", self.token, self.address], self.state,
                browse=False)
        self.assertIsNone(r.url, r.stderr)
        self.check_logged_in(r)
        self.assertEqual(r.obj["oauth"]["token"], "refreshed")
        with open(self.token, encoding="utf-8") as f:
            new = json.load(f)
        self.assertNotEqual(new["access_token"], "junk")
        self.assertGreater(new["expires_at"], time.time() + 60)
        self.assertTrue(mode600(self.token))

    def test_5_explicit_servers_with_issuer(self):
        r = Run(["--oauth", "--oauth-issuer", WORLD["PACC_OAUTH_ISSUER"],
                 "--server", "imap://imap.oauth.example",
                 "--server", "submissions://smtp.oauth.example",
                 self.address], self.state)
        self.assertEqual(r.rc, 0, r.stderr + json.dumps(r.obj, indent=1))
        self.assertEqual(r.server("imap")["class"], "ok")
        self.assertEqual(r.server("smtp")["class"], "ok")


def liar(mode):
    return "alice@%s.%s" % (mode, WORLD["PACC_OAUTH_LIAR_DOMAIN"])


class B_Liars(unittest.TestCase):
    """Each lie: its own code and exit status, and nothing sent anywhere."""

    def run_mode(self, mode, rc, code, browse=False):
        r = Run(["--oauth", liar(mode)], os.path.join(TMP, "st-" + mode),
                browse=browse)
        self.assertEqual(r.rc, rc, r.stderr + json.dumps(r.obj, indent=1))
        self.assertEqual(r.obj["status"], "oauth-failure")
        self.assertEqual(r.obj["oauth"]["status"], code)
        for s in r.obj["servers"]:
            self.assertEqual(s["class"], "not-attempted")
            self.assertEqual(s["code"], "oauth-failed")
            self.assertEqual(s["attempts"], [])
        return r

    def test_issuer_mismatch(self):
        r = self.run_mode("issuer-mismatch", 3, "oauth-issuer-mismatch")
        self.assertIsNone(r.url)

    def test_issuer_host(self):
        self.run_mode("issuer-host", 3, "oauth-issuer-mismatch")

    def test_no_s256(self):
        r = self.run_mode("no-s256", 1, "oauth-no-s256")
        self.assertIsNone(r.url)

    def test_redirect_metadata(self):
        self.run_mode("redirect-metadata", 3, "oauth-metadata-redirect")

    def test_registration_refused(self):
        r = self.run_mode("reg-refused", 1, "oauth-registration-refused")
        self.assertIsNone(r.url)

    def test_no_registration(self):
        self.run_mode("no-registration", 1, "oauth-registration-refused")

    def test_wrong_state(self):
        r = self.run_mode("wrong-state", 3, "oauth-state-mismatch",
                          browse=True)
        self.assertIsNotNone(r.url)

    def test_iss_mismatch(self):
        r = self.run_mode("iss-mismatch", 3, "oauth-iss-mismatch",
                          browse=True)
        self.assertIsNotNone(r.url)

    def test_good_token_stays_in_its_domain(self):
        # the liar's document names oauth.example mail servers: its token
        # goes only to its own host (the issuer's registrable domain)
        r = Run(["--oauth", liar("good")], os.path.join(TMP, "st-good"))
        self.assertEqual(r.obj["oauth"]["status"], "ok", r.stderr)
        self.assertEqual(r.server("jmap")["class"], "ok")
        for proto in ("imap", "smtp"):
            s = r.server(proto)
            self.assertEqual(s["code"], "oauth-host-not-allowed")
            self.assertEqual(s["attempts"], [])
        self.assertEqual(r.rc, 1)

    def test_open_client_id_only_when_asked(self):
        r = Run(["--oauth", "--oauth-client-id", "open", "--oauth-timeout", "1",
                 liar("no-registration")],
                os.path.join(TMP, "st-open"), browse=False, wait=20)
        # the client id goes into the URL as given (the liar refuses it)
        self.assertIsNotNone(r.url, r.stderr)
        self.assertIn("client_id=open", r.url)


class C_Bounds(unittest.TestCase):
    def test_timeout_bounded(self):
        t = 2
        r = Run(["--oauth", "--oauth-timeout", str(t), liar("good")],
                os.path.join(TMP, "st-timeout"), browse=False)
        self.assertLess(r.elapsed, 2 * t + 5)
        self.assertEqual(r.rc, 1, r.stderr)
        self.assertEqual(r.obj["oauth"]["status"], "oauth-timeout")

    def test_print_token_not_with_json(self):
        p = subprocess.run([PACC, "login", "--yes", "--json",
                            "--print-token", "--oauth", liar("good")],
                           capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 2)

    def test_oauth_server_needs_issuer(self):
        p = subprocess.run([PACC, "login", "--yes", "--oauth", "--server",
                            "imaps://imap.oauth.example", "a@oauth.example"],
                           capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"--oauth-issuer", p.stderr)


def main():
    global PACC, WORLD, TMP
    if len(sys.argv) < 2:
        print("usage: test_oauth.py PACC_BINARY", file=sys.stderr)
        return 2
    PACC = os.path.abspath(sys.argv[1])
    envfile = os.environ.get("PACC_WORLD_ENV")
    if not envfile or not os.path.exists(envfile):
        print("SKIP: PACC_WORLD_ENV names no running world", file=sys.stderr)
        return 77
    WORLD = load_env(envfile)
    if "PACC_OAUTH_ADDRESS" not in WORLD:
        print("SKIP: the world has no OAuth part (PACC_OAUTH_ADDRESS unset)",
              file=sys.stderr)
        return 77
    os.environ["PACC_WORLD_ENV"] = envfile
    with tempfile.TemporaryDirectory(prefix="pacc-oauth-") as d:
        TMP = d
        prog = unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:],
                             exit=False)
        return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
