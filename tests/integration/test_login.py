#!/usr/bin/python3
"""`pacc login` against the real test world (Dovecot, Postfix, Radicale,
the JMAP stub), the hostile servers of tests/hostile/fake_auth.py and the
SCRAM-SHA-256-PLUS server tests/hostile/sasl_server.c -- with a network
capture of the whole run.

Run by meson: test_login.py PACC_BINARY [SASL_SERVER_BINARY].  The world
must be running; its env file is named by $PACC_WORLD_ENV (tests/run starts
it).  Without SASL_SERVER_BINARY (or $PACC_SASL_SERVER) the server is
compiled with cc into a temporary directory; if that fails, the SCRAM tests
are skipped.

Capture: when run as root with tcpdump installed, every packet on the
loopback interface to or from the world's addresses and 127.0.0.1 is
captured for the whole run (except two server-internal hops that carry
credentials in plaintext by design and that pacc never talks to: Postfix
asking Dovecot's auth service on port 12345, and nginx passing Basic
credentials to Radicale on port 5232).  The last test (ZZCapture) stops the
capture and asserts that no test password -- plain, or base64 as inside
SASL PLAIN "\\0user\\0pass" -- appears in any TCP or UDP payload, and that
the capture did see the plaintext parts of the run (so it was working).
Each hostile server also records what it received, and the tests assert on
those records: the password never arrives over plaintext or an unverified
certificate.
"""
import base64
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(TOP, "doc", "login.schema.json")
FAKE_AUTH = os.path.join(TOP, "tests", "hostile", "fake_auth.py")
SASL_SRC = os.path.join(TOP, "tests", "hostile", "sasl_server.c")
MAN = os.path.join(TOP, "doc", "pacc.1")
PACC = None
SASL_BIN = None
WORLD = {}
TMP = None
FAKE = {}        # scenario -> port
FAKE_PROC = None
CAPTURE = None   # (proc, pcap path, stderr path)
SASL = {}        # name -> (port, record file)
SASL_PROCS = []

WRONG = "wr0ng-Passw0rd!"
FAKE_PW = "Fake-pw-7x"
SCRAM_PW = "S3cret p\u00e4ssword"
SPECIAL_PW = 'q"uo\\te {7}'
TTY_PW = "Tty-typed-pw9"
PASSWORDS = set()     # every password this run sends (the capture check)
USERS = set()         # every user name this run sends


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


def world_args():
    return ["--resolver", WORLD["PACC_RESOLVER"],
            "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
            "--ca-file", WORLD["PACC_CA_FILE"]]


def fake_args():
    # the hostile servers need no DNS: address literals only
    return ["--ca-file", os.path.join(TMP, "fake", "ca.pem")]


def note(password, *users):
    PASSWORDS.add(password)
    for u in users:
        USERS.add(u)
        if "@" in u:
            USERS.add(u.split("@", 1)[0])


def login(address, *extra, password=None, base=None, json_out=True,
          timeout=5, env=None, stdin=None):
    """Run pacc login; the password goes in on standard input."""
    pw = WORLD.get("PACC_MAIL_PASSWORD", "secret") if password is None \
        else password
    note(pw, address)
    cmd = [PACC, "login", "--yes", "--timeout", str(timeout)]
    cmd += world_args() if base is None else base
    if json_out:
        cmd.append("--json")
    cmd += list(extra) + [address]
    t0 = time.monotonic()
    p = subprocess.run(cmd, input=(pw + "\n").encode() if stdin is None
                       else stdin, capture_output=True,
                       timeout=4 * timeout + 20, env=env)
    elapsed = time.monotonic() - t0
    out, err = p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")
    for secret in (pw, base64.b64encode(pw.encode()).decode()):
        assert secret not in out, "password in standard output"
        assert secret not in err, "password in standard error"
    obj = None
    if json_out:
        try:
            obj = json.loads(out)
        except ValueError as e:
            raise AssertionError("not one JSON object on stdout (%s): %r\n"
                                 "stderr: %s" % (e, out[:500], err[:2000]))
        validate(obj)
    return p.returncode, obj, err, elapsed


def by(obj, protocol, port=None):
    for s in obj["servers"]:
        if s["protocol"] == protocol and (port is None or s["port"] == port):
            return s
    raise AssertionError("no %s server" % protocol)


def record(name, ext):
    path = os.path.join(TMP, "fake", name + ext)
    if not os.path.exists(path):
        return b""
    with open(path, "rb") as f:
        return f.read()


def secrets_of(password, users):
    """Byte strings whose presence would mean the password leaked."""
    pw = password.encode()
    out = {pw}
    for k in range(3):
        # base64 groups that depend on the password's bytes only
        enc = base64.b64encode(b"\0" * k + pw + b"\0\0\0")
        core = b"".join(enc[4 * g:4 * g + 4]
                        for g in range((k + len(pw) + 3) // 3)
                        if 3 * g >= k and 3 * g + 3 <= k + len(pw))
        if len(core) >= 8:
            out.add(core)
    for u in users:
        plain = b"\0" + u.encode() + b"\0" + pw   # RFC 4616
        out.add(base64.b64encode(plain))
        out.add(base64.b64encode((u + ":").encode() + pw))  # HTTP Basic
    return out


def assert_never_received(tc, name, password=FAKE_PW):
    for ext in (".raw", ".tls"):
        data = record(name, ext)
        for s in secrets_of(password, USERS | {"ok@fake.example"}):
            tc.assertNotIn(s, data, "%s%s received the password" % (name,
                                                                     ext))
        for verb in (b"AUTHENTICATE", b"AUTH ", b"LOGIN ", b"PASS ",
                     b"Authorization"):
            tc.assertNotIn(verb, data, "%s%s received %r" % (name, ext,
                                                             verb))


# ---- the real world ----

class World(unittest.TestCase):
    def test_srv_every_server_ok(self):
        rc, o, err, _ = login(WORLD["PACC_MAIL_USER"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "ok")
        self.assertEqual(o["mechanism"], "srv")
        self.assertEqual(o["confirm"]["domains"], ["srv.example"])
        protos = sorted({s["protocol"] for s in o["servers"]})
        self.assertEqual(protos, ["caldav", "carddav", "imap", "jmap",
                                  "managesieve", "pop3", "smtp"])
        self.assertEqual(o["summary"]["ok"], len(o["servers"]))
        for s in o["servers"]:
            self.assertEqual(s["class"], "ok", s["detail"])
            self.assertIsNone(s["code"])
            self.assertFalse(s["localpart_retry"])
            self.assertEqual(len(s["attempts"]), 1)
            self.assertEqual(s["username"], WORLD["PACC_MAIL_USER"])
            if s["host"]:  # the fetcher may not report it for HTTP
                self.assertRegex(s["tls_version"] or "", r"^TLSv1\.[23]$")
            # Dovecot offers PLAIN (and LOGIN): PLAIN is chosen
            self.assertEqual(s["mechanism"],
                             "BASIC" if s["url"] else "PLAIN")
        # STARTTLS servers too, never before TLS
        self.assertEqual(by(o, "imap", 143)["class"], "ok")
        self.assertEqual(by(o, "smtp", 587)["class"], "ok")

    def test_rfc6186_localpart_retry(self):
        addr = WORLD["PACC_LOCALPART_ADDRESS"]
        login_name = WORLD["PACC_LOCALPART_LOGIN"]
        rc, o, err, _ = login(addr)
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "ok")
        for s in o["servers"]:
            self.assertEqual(s["class"], "ok", s["detail"])
            self.assertTrue(s["localpart_retry"])
            self.assertEqual(s["username"], login_name)
            self.assertIn("RFC 6186", s["detail"])
            # exactly two attempts: the address, then the local part
            self.assertEqual([a["username"] for a in s["attempts"]],
                             [addr, login_name])
            self.assertEqual(s["attempts"][0]["class"], "wrong-credentials")
            self.assertEqual(s["attempts"][1]["class"], "ok")

    def test_wrong_password_real_servers(self):
        rc, o, err, _ = login(WORLD["PACC_MAIL_USER"], password=WRONG)
        self.assertEqual(rc, 1, err)
        self.assertEqual(o["status"], "failed")
        codes = {s["protocol"]: s["code"] for s in o["servers"]}
        self.assertEqual(codes["imap"], "imap-authenticationfailed")
        self.assertEqual(codes["pop3"], "pop3-auth")
        self.assertEqual(codes["smtp"], "smtp-535")
        self.assertEqual(codes["managesieve"], "sieve-no")
        self.assertEqual(codes["jmap"], "http-401")
        self.assertEqual(codes["caldav"], "http-401")
        for s in o["servers"]:
            self.assertEqual(s["class"], "wrong-credentials", s["detail"])
            # SRV configuration: the address, then the local part once;
            # never more (no guessing loop)
            self.assertLessEqual(len(s["attempts"]), 2)
            self.assertEqual(len({(a["mechanism"], a["username"])
                                  for a in s["attempts"]}),
                             len(s["attempts"]))

    def test_pacc_configuration_postfix(self):
        rc, o, err, _ = login("alice@mta.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["mechanism"], "pacc")
        smtp = by(o, "smtp")
        self.assertEqual(smtp["host"], "smtp.mta.example")
        self.assertEqual(smtp["class"], "ok")

    def test_no_localpart_retry_outside_srv(self):
        rc, o, err, _ = login("alice@mta.example", password=WRONG)
        self.assertEqual(rc, 1, err)
        for s in o["servers"]:
            self.assertEqual(s["class"], "wrong-credentials", s["detail"])
            self.assertEqual(len(s["attempts"]), 1)
            self.assertFalse(s["localpart_retry"])
        self.assertEqual(by(o, "smtp")["code"], "smtp-535")

    def test_explicit_servers(self):
        urls = ["imap://imap.srv.example", "pop3://pop.srv.example",
                "submission://smtp.srv.example",
                "submissions://smtp.srv.example",
                "sieve://mail.srv.example",
                "caldav+https://dav.srv.example/cal/",
                "carddav+https://dav.srv.example/card/",
                "jmap+https://jmap.srv.example/session",
                "imap://mail.guessstarttls.example"]
        args = []
        for u in urls:
            args += ["--server", u]
        rc, o, err, _ = login(WORLD["PACC_MAIL_USER"], *args)
        self.assertEqual(rc, 0, err)
        self.assertIsNone(o["mechanism"])
        self.assertEqual(sorted(o["confirm"]["domains"]),
                         ["guessstarttls.example", "srv.example"])
        self.assertEqual(len(o["servers"]), len(urls))
        for s in o["servers"]:
            self.assertEqual(s["class"], "ok", s["detail"])
        # explicit servers: no RFC 6186 retry, even for carol
        rc, o, err, _ = login(WORLD["PACC_LOCALPART_ADDRESS"], "--server",
                              "imaps://imap.srv.example")
        self.assertEqual(rc, 1, err)
        self.assertEqual(len(o["servers"][0]["attempts"]), 1)
        # ...but a user name in the URL
        rc, o, err, _ = login(WORLD["PACC_LOCALPART_ADDRESS"], "--server",
                              "imaps://%s@imap.srv.example"
                              % WORLD["PACC_LOCALPART_LOGIN"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["servers"][0]["username"],
                         WORLD["PACC_LOCALPART_LOGIN"])

    def test_world_wrong_certificate(self):
        # nginx on PACC_WEB_WRONGCERT_IP serves not-the-host.invalid
        rc, o, err, _ = login(
            "alice@wrongcert.example", "--server",
            "jmap+https://ua-auto-config.wrongcert.example/session")
        self.assertEqual(rc, 3, err)
        s = o["servers"][0]
        self.assertEqual(s["class"], "tls-failure")
        self.assertEqual(s["code"], "cert-invalid")
        self.assertEqual(s["attempts"], [])

    def test_discovery_failure_no_login(self):
        rc, o, err, _ = login("alice@mismatch.example")
        self.assertEqual(rc, 3, err)
        self.assertEqual(o["status"], "integrity-failure")
        self.assertEqual(o["servers"], [])
        rc, o, err, _ = login("alice@nothing-here.example", timeout=3)
        self.assertIn(rc, (1, 4), err)
        self.assertEqual(o["servers"], [])

    def test_text_output(self):
        rc, _, err, _ = login(WORLD["PACC_MAIL_USER"], "--server",
                              "imaps://imap.srv.example", json_out=False)
        self.assertEqual(rc, 0, err)
        # --yes shows what is confirmed, on standard error
        self.assertIn("srv.example", err)

    def test_no_secret_in_debug_log(self):
        rc, o, err, _ = login(WORLD["PACC_MAIL_USER"], "-v", "-v", "-v",
                              "--server", "imaps://imap.srv.example",
                              "--server", "jmap+https://jmap.srv.example/"
                              "session", password=WRONG)
        self.assertEqual(rc, 1)
        self.assertTrue(err)  # the log went somewhere: it was checked


# ---- the password: sources and confirmation ----

class Password(unittest.TestCase):
    SERVER = ["--server", "imaps://imap.srv.example"]

    def run_pacc(self, *args, **kw):
        cmd = [PACC, "login", "--timeout", "5"] + world_args() + \
            list(args)
        return subprocess.run(cmd, capture_output=True, timeout=30, **kw)

    def test_password_fd(self):
        r, w = os.pipe()
        os.write(w, (WORLD["PACC_MAIL_PASSWORD"] + "\nnot this\n").encode())
        os.close(w)
        try:
            p = self.run_pacc("--yes", "--json", "--password-fd", str(r),
                              *self.SERVER, WORLD["PACC_MAIL_USER"],
                              pass_fds=(r,), stdin=subprocess.DEVNULL)
        finally:
            os.close(r)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["status"], "ok")

    def test_password_env(self):
        env = dict(os.environ, PACC_TEST_PW=WORLD["PACC_MAIL_PASSWORD"])
        p = self.run_pacc("--yes", "--json", "--password-env", "PACC_TEST_PW",
                          *self.SERVER, WORLD["PACC_MAIL_USER"], env=env,
                          stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_pacc("--yes", "--password-env", "PACC_NO_SUCH_VAR",
                          *self.SERVER, WORLD["PACC_MAIL_USER"],
                          stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"not set", p.stderr)

    def test_stdin_first_line_only(self):
        p = self.run_pacc("--yes", "--json", *self.SERVER,
                          WORLD["PACC_MAIL_USER"],
                          input=(WORLD["PACC_MAIL_PASSWORD"] +
                                 "\r\nsecond line\n").encode())
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_never_argv(self):
        for opt in (["--password", "x"], ["--password=x"], ["-p", "x"]):
            p = self.run_pacc("--yes", *opt, *self.SERVER,
                              WORLD["PACC_MAIL_USER"], input=b"x\n")
            self.assertEqual(p.returncode, 2, opt)
        p = self.run_pacc("--yes", "--server",
                          "imaps://alice:%s@imap.srv.example"
                          % WORLD["PACC_MAIL_PASSWORD"],
                          WORLD["PACC_MAIL_USER"], input=b"x\n")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"password", p.stderr)

    def test_bad_sources(self):
        p = self.run_pacc("--yes", "--password-fd", "0", "--password-env",
                          "HOME", *self.SERVER, WORLD["PACC_MAIL_USER"],
                          input=b"x\n")
        self.assertEqual(p.returncode, 2)
        p = self.run_pacc("--yes", "--password-fd", "77", *self.SERVER,
                          WORLD["PACC_MAIL_USER"], input=b"x\n")
        self.assertEqual(p.returncode, 2)
        p = self.run_pacc("--yes", *self.SERVER, WORLD["PACC_MAIL_USER"],
                          input=b"\n")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"empty", p.stderr)
        p = self.run_pacc("--yes", "--server", "imapx://h.example",
                          WORLD["PACC_MAIL_USER"], input=b"x\n")
        self.assertEqual(p.returncode, 2)
        p = self.run_pacc("--yes", *self.SERVER, "not-an-address",
                          input=b"x\n")
        self.assertEqual(p.returncode, 2)

    def test_no_terminal_no_yes(self):
        # a new session has no controlling terminal: nobody to ask
        t0 = time.monotonic()
        p = subprocess.run([PACC, "login", "--resolver", "127.0.0.1@9",
                            "--server", "imaps://127.0.0.1:%d"
                            % FAKE["imaps_codes"], "ok@fake.example"],
                           input=b"pw\n", capture_output=True, timeout=30,
                           start_new_session=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"--yes", p.stderr)
        self.assertLess(time.monotonic() - t0, 5)

    def pty_run(self, args, answers):
        """Run pacc on a new pseudo-terminal; answer prompts in order.
        Returns (exit status, everything the terminal showed)."""
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execv(PACC, [PACC, "login"] + args)
            finally:
                os._exit(127)
        shown = b""
        pending = list(answers)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
            while pending and pending[0][0] in shown:
                os.write(fd, pending.pop(0)[1])
                shown += b"\n<<answered>>\n"
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:  # still waiting for something: it failed the test
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), shown

    def test_terminal_confirm_and_no_echo(self):
        port = FAKE["imaps_codes"]
        note(TTY_PW, "ok@fake.example")
        args = fake_args() + ["--server", "imaps://127.0.0.1:%d" % port,
                              "ok@fake.example"]
        rc, shown = self.pty_run(args, [(b"[y/N]", b"y\n"),
                                        (b"Password for", TTY_PW.encode()
                                         + b"\n")])
        self.assertEqual(rc, 0, shown)
        # the domains were shown in full before the question
        self.assertIn(b"127.0.0.1", shown.split(b"[y/N]")[0])
        # echo was off: the typed password never came back
        self.assertNotIn(TTY_PW.encode(), shown)
        self.assertIn(b"ok@fake.example", record("imaps_codes", ".log"))

    def test_terminal_declined_sends_nothing(self):
        port = FAKE["pop3s_codes"]
        before = record("pop3s_codes", ".log").count(b"connect")
        args = fake_args() + ["--json", "--server",
                              "pop3s://127.0.0.1:%d" % port,
                              "declined@fake.example"]
        rc, shown = self.pty_run(args, [(b"[y/N]", b"n\n")])
        self.assertEqual(rc, 1, shown)
        self.assertIn(b'"declined"', shown)
        self.assertNotIn(b"Password for", shown)
        # not even a connection
        self.assertEqual(record("pop3s_codes", ".log").count(b"connect"),
                         before)


# ---- every classification row against servers that answer it ----

def fake_login(tc, scenario, user, scheme="imaps", path="", password=FAKE_PW,
               timeout=4):
    url = "%s://127.0.0.1:%d%s" % (scheme, FAKE[scenario], path)
    return login(user, "--server", url, base=fake_args(), password=password,
                 timeout=timeout)


class Classify(unittest.TestCase):
    def check(self, scenario, scheme, user, cls, code, rc_want, path=""):
        with self.subTest(scenario=scenario, user=user, path=path):
            rc, o, err, _ = fake_login(self, scenario, user, scheme, path)
            s = o["servers"][0]
            self.assertEqual((s["class"], s["code"]), (cls, code),
                             s["detail"])
            self.assertEqual(rc, rc_want, err)
            return s

    def test_imap(self):
        rows = [("ok", "ok", None),
                ("authenticationfailed", "wrong-credentials",
                 "imap-authenticationfailed"),
                ("nocode", "wrong-credentials", "imap-no"),
                ("alert", "wrong-credentials", "imap-no"),
                ("authorizationfailed", "account-blocked",
                 "imap-authorizationfailed"),
                ("expired", "account-blocked", "imap-expired"),
                ("contactadmin", "account-blocked", "imap-contactadmin"),
                ("privacyrequired", "method-not-working",
                 "imap-privacyrequired"),
                ("cannot", "method-not-working", "imap-cannot"),
                ("bad", "method-not-working", "imap-bad"),
                ("unavailable", "server-error", "imap-unavailable"),
                ("serverbug", "server-error", "imap-serverbug"),
                ("limit", "server-error", "imap-limit"),
                ("bye", "server-error", "connection-lost")]
        for user, cls, code in rows:
            s = self.check("imaps_codes", "imaps", user + "@fake.example",
                           cls, code, 0 if cls == "ok" else 1)
            self.assertEqual(s["mechanism"], "PLAIN")
            self.assertEqual(len(s["attempts"]), 1)

    def test_imap_without_sasl_ir(self):
        s = self.check("imaps_noir", "imaps", "ok@fake.example", "ok", None,
                       0)
        self.assertIn(b"auth ok@fake.example", record("imaps_noir", ".log"))
        s = self.check("imaps_noir", "imaps", "expired@fake.example",
                       "account-blocked", "imap-expired", 1)

    def test_imap_login_command(self):
        s = self.check("imaps_loginonly", "imaps", "ok@fake.example", "ok",
                       None, 0)
        self.assertEqual(s["mechanism"], "LOGIN-COMMAND")
        # quoting and literals: the server got exactly two arguments
        for pw in (SPECIAL_PW, "p\u00e4ss"):
            rc, o, err, _ = fake_login(self, "imaps_loginonly",
                                       "ok@fake.example", password=pw)
            self.assertEqual(rc, 0, err)
        self.assertNotIn(b"login ok@fake.example 1",
                         record("imaps_loginonly", ".log"))
        self.check("imaps_loginonly", "imaps", "nocode@fake.example",
                   "wrong-credentials", "imap-no", 1)

    def test_advertised_but_failing(self):
        # SCRAM advertised, answered BAD: the next mechanism, once
        s = self.check("imaps_fail_scram", "imaps", "ok@fake.example", "ok",
                       None, 0)
        self.assertEqual([(a["mechanism"], a["class"]) for a in
                          s["attempts"]],
                         [("SCRAM-SHA-256", "method-not-working"),
                          ("PLAIN", "ok")])
        # ...and a rejected password after that is final
        s = self.check("imaps_fail_scram", "imaps", "nocode@fake.example",
                       "wrong-credentials", "imap-no", 1)
        self.assertEqual(len(s["attempts"]), 2)
        # the only mechanism fails: method, not password
        s = self.check("imaps_fail_all", "imaps", "ok@fake.example",
                       "method-not-working", "imap-bad", 1)
        self.assertEqual(len(s["attempts"]), 1)
        self.assertIn("does not work", s["detail"])
        s = self.check("imaps_logindisabled", "imaps", "ok@fake.example",
                       "method-not-working", "no-password-mechanism", 1)
        self.assertEqual(s["attempts"], [])

    def test_smtp(self):
        rows = [("ok", "ok", None),
                ("r535", "wrong-credentials", "smtp-535"),
                ("r454", "server-error", "smtp-454"),
                ("r534", "method-not-working", "smtp-534"),
                ("r530", "method-not-working", "smtp-530"),
                ("r538", "method-not-working", "smtp-538"),
                ("r504", "method-not-working", "smtp-command-rejected"),
                ("r501", "method-not-working", "smtp-command-rejected"),
                ("r432", "account-blocked", "smtp-password-transition"),
                ("r535x13", "account-blocked", "smtp-account-disabled"),
                ("r421", "server-error", "smtp-4xx"),
                ("r550", "server-error", "smtp-5xx")]
        for user, cls, code in rows:
            self.check("smtps_codes", "submissions", user + "@fake.example",
                       cls, code, 0 if cls == "ok" else 1)

    def test_pop3(self):
        rows = [("ok", "ok", None),
                ("auth", "wrong-credentials", "pop3-auth"),
                ("nocode", "wrong-credentials", "pop3-err"),
                ("systemp", "server-error", "pop3-sys-temp"),
                ("sysperm", "server-error", "pop3-sys-perm"),
                ("inuse", "server-error", "pop3-in-use"),
                ("logindelay", "account-blocked", "pop3-login-delay")]
        for user, cls, code in rows:
            self.check("pop3s_codes", "pop3s", user + "@fake.example", cls,
                       code, 0 if cls == "ok" else 1)

    def test_sieve(self):
        rows = [("ok", "ok", None),
                ("no", "wrong-credentials", "sieve-no"),
                ("authtooweak", "method-not-working", "sieve-auth-too-weak"),
                ("encryptneeded", "method-not-working",
                 "sieve-encrypt-needed"),
                ("transitionneeded", "account-blocked",
                 "sieve-transition-needed"),
                ("trylater", "server-error", "sieve-trylater"),
                ("bye", "server-error", "sieve-bye")]
        for user, cls, code in rows:
            self.check("sieve_codes", "sieve", user + "@fake.example", cls,
                       code, 0 if cls == "ok" else 1)

    def test_http(self):
        rows = [("/status/200", "jmap+https", "ok", None),
                ("/status/207", "caldav+https", "ok", None),
                ("/status/401", "jmap+https", "wrong-credentials",
                 "http-401"),
                ("/status/4011", "jmap+https", "method-not-working",
                 "http-401-no-basic"),
                ("/status/403", "carddav+https", "account-blocked",
                 "http-403"),
                ("/status/429", "jmap+https", "server-error", "http-429"),
                ("/status/500", "jmap+https", "server-error", "http-5xx"),
                ("/status/503", "caldav+https", "server-error", "http-5xx"),
                ("/status/404", "jmap+https", "method-not-working",
                 "http-status"),
                ("/redirect-same", "caldav+https", "ok", None),
                ("/redirect-other", "carddav+https", "method-not-working",
                 "redirect")]
        for path, scheme, cls, code in rows:
            s = self.check("https_codes", scheme, "ok@fake.example", cls,
                           code, 0 if cls == "ok" else 1, path=path)
            self.assertEqual(s["mechanism"], "BASIC")
        log = record("https_codes", ".log").decode()
        # DAV asks PROPFIND, JMAP GET; the cross-origin redirect is not
        # followed (other.fake.example is never asked)
        self.assertIn("PROPFIND /status/207", log)
        self.assertIn("GET /status/200", log)
        self.assertIn("PROPFIND /status/200", log)  # after redirect-same


# ---- credentials never over plaintext or an unverified certificate ----

class Security(unittest.TestCase):
    def no_credential(self, scenario, scheme, code, rc_want=3, path=""):
        rc, o, err, elapsed = fake_login(self, scenario, "ok@fake.example",
                                         scheme, path)
        s = o["servers"][0]
        self.assertEqual(rc, rc_want, err)
        self.assertEqual(s["code"], code, s["detail"])
        self.assertEqual(s["attempts"], [])
        self.assertIsNone(s["mechanism"])
        assert_never_received(self, scenario)
        return s, elapsed

    def test_stripping_refused(self):
        for scenario, scheme in (("imap_plain", "imap"),
                                 ("smtp_plain", "submission"),
                                 ("pop3_plain", "pop3"),
                                 ("sieve_plain", "sieve")):
            with self.subTest(scenario=scenario):
                s, _ = self.no_credential(scenario, scheme,
                                          "starttls-unavailable")
                self.assertEqual(s["class"], "tls-failure")
                self.assertIn("no credential was sent", s["detail"])
                self.assertTrue(record(scenario, ".raw"))  # it was asked

    def test_injection_discarded(self):
        s, _ = self.no_credential("imap_inject", "imap",
                                  "starttls-injection")
        self.assertEqual(s["class"], "tls-failure")
        self.assertEqual(record("imap_inject", ".tls"), b"")

    def test_wrong_certificates(self):
        for scenario, scheme, path in (
                ("imaps_wrongcert", "imaps", ""),
                ("imap_starttls_wrongcert", "imap", ""),
                ("https_wrongcert", "jmap+https", "/status/200")):
            with self.subTest(scenario=scenario):
                s, _ = self.no_credential(scenario, scheme, "cert-invalid",
                                          path=path)
                self.assertEqual(s["class"], "tls-failure")
                # not one byte arrived inside TLS (for mail, pacc's own
                # client, the server never even completed its handshake;
                # a TLS 1.3 server may finish before curl rejects it)
                self.assertEqual(record(scenario, ".tls"), b"")
                if not scheme.endswith("https"):
                    log = record(scenario, ".log")
                    self.assertIn(b"tls-failed", log)
                    self.assertNotIn(b"tls-ok", log)

    def test_slow_servers_cost_one_deadline(self):
        for scenario, scheme, codes in (
                ("imaps_stall", "imaps", ("timeout",)),
                ("imap_endless", "imap", ("line-too-long",)),
                ("imap_endless", "imaps", ("tls-error",)),
                ("imap_drip", "imap", ("timeout", "line-too-long"))):
            with self.subTest(scenario=scenario, scheme=scheme):
                url = "%s://127.0.0.1:%d" % (scheme, FAKE[scenario])
                rc, o, err, elapsed = login("ok@fake.example", "--server",
                                            url, base=fake_args(),
                                            password=FAKE_PW, timeout=2)
                s = o["servers"][0]
                self.assertIn(s["code"], codes, s["detail"])
                self.assertIn(s["class"], ("not-attempted", "tls-failure"))
                self.assertIn(rc, (1, 3))
                self.assertEqual(s["attempts"], [])
                self.assertLess(elapsed, 2 + 3.5)  # one deadline + exit
                assert_never_received(self, scenario)


# ---- SCRAM with channel binding (sasl_server.c) ----

class Scram(unittest.TestCase):
    def setUp(self):
        if not SASL:
            self.skipTest("sasl_server not available")

    def run_scram(self, name, password=SCRAM_PW):
        port, _ = SASL[name]
        return login("alice@fake.example", "--server",
                     "imaps://127.0.0.1:%d" % port, base=fake_args(),
                     password=password)

    def rec(self, name):
        with open(SASL[name][1], encoding="utf-8") as f:
            return f.read()

    def test_plus_tls_exporter(self):
        rc, o, err, _ = self.run_scram("tls13")
        self.assertEqual(rc, 0, err)
        s = o["servers"][0]
        self.assertEqual(s["class"], "ok")
        self.assertEqual(s["mechanism"], "SCRAM-SHA-256-PLUS")
        self.assertEqual(s["channel_binding"], "tls-exporter")
        self.assertEqual(s["tls_version"], "TLSv1.3")
        self.assertIn("cb tls-exporter", self.rec("tls13"))
        self.assertNotIn("skipped", s["detail"])

    def test_plus_tls_unique_on_tls12(self):
        rc, o, err, _ = self.run_scram("tls12")
        self.assertEqual(rc, 0, err)
        s = o["servers"][0]
        self.assertEqual(s["channel_binding"], "tls-unique")
        self.assertEqual(s["tls_version"], "TLSv1.2")
        self.assertIn("cb tls-unique", self.rec("tls12"))

    def test_binding_is_checked(self):
        # the server sees other binding data (a MITM's view): refused
        rc, o, err, _ = self.run_scram("wrongcb")
        self.assertEqual(rc, 1, err)
        self.assertEqual(o["servers"][0]["code"],
                         "imap-authenticationfailed")
        self.assertIn("auth-fail", self.rec("wrongcb"))

    def test_wrong_password(self):
        rc, o, err, _ = self.run_scram("tls13", password=WRONG)
        self.assertEqual(rc, 1, err)
        s = o["servers"][0]
        self.assertEqual((s["class"], s["code"]),
                         ("wrong-credentials", "imap-authenticationfailed"))
        self.assertEqual(len(s["attempts"]), 1)  # never PLAIN after it

    def test_server_signature_verified(self):
        rc, o, err, _ = self.run_scram("badfinal")
        self.assertEqual(rc, 1, err)
        s = o["servers"][0]
        self.assertEqual((s["class"], s["code"]),
                         ("method-not-working", "scram-server-signature"))
        rc, o, err, _ = self.run_scram("skipfinal")
        self.assertEqual(rc, 0, err)
        self.assertIn("proved nothing", o["servers"][0]["detail"])

    def test_scram_without_plus(self):
        rc, o, err, _ = self.run_scram("noplus")
        self.assertEqual(rc, 0, err)
        s = o["servers"][0]
        self.assertEqual(s["mechanism"], "SCRAM-SHA-256")
        self.assertIsNone(s["channel_binding"])


# ---- pacc(1) has the table, and every row has a test ----

class Docs(unittest.TestCase):
    def test_every_login_code_documented_and_tested(self):
        with open(MAN, encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        section = man.split(".SH LOGIN", 1)[1].split("\n.SH ", 1)[0]
        table = section.split(".SS Login responses", 1)[1].split(
            ".SS Login output", 1)[0]
        codes = re.findall(r"^\.TP\n\.B ([a-z0-9-]+)\n", table, re.M)
        self.assertGreater(len(codes), 40)
        with open(__file__, encoding="utf-8") as f:
            here = f.read()
        with open(os.path.join(TOP, "tests", "unit",
                               "test_login_classify.c"),
                  encoding="utf-8") as f:
            unit = f.read()
        for c in codes:
            self.assertTrue('"%s"' % c in here or '"%s"' % c in unit,
                            "LOGIN code %s has no test" % c)
        with open(os.path.join(TOP, "src", "lib", "login.c"),
                  encoding="utf-8") as f:
            src = f.read()
        for c in set(re.findall(r'"((?:imap|pop3|smtp|sieve|http)-'
                                r'[a-z0-9-]+)"', src)):
            self.assertIn(c, codes, "%s is not in pacc(1) LOGIN" % c)
        for cls in ("ok", "wrong-credentials", "method-not-working",
                    "account-blocked", "server-error", "tls-failure",
                    "not-attempted"):
            self.assertIn("\n.B %s\n" % cls, section)


# ---- the capture: last (class names run in order) ----

class ZZCapture(unittest.TestCase):
    def test_password_never_in_plaintext(self):
        global CAPTURE
        if CAPTURE is None:
            self.skipTest("no capture (needs root and tcpdump)")
        proc, pcap, errf = CAPTURE
        CAPTURE = None
        # tcpdump drops what it has not read yet when it is stopped: wait
        # until the canary, sent last, is in the file (-U writes each
        # packet as it is read), so everything before it is too
        plain = send_canary()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with open(pcap, "rb") as f:
                if plain in f.read():
                    break
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        with open(errf, encoding="utf-8", errors="replace") as f:
            stats = f.read()
        m = re.search(r"(\d+) packets dropped by kernel", stats)
        self.assertIsNotNone(m, stats)
        self.assertEqual(m.group(1), "0", "the capture is incomplete")
        flows = read_pcap(pcap)
        self.assertGreater(len(flows), 50)
        needles = set()
        for pw in PASSWORDS:
            needles |= secrets_of(pw, USERS)
        for (src, sport, dst, dport), data in flows.items():
            for n in needles:
                self.assertFalse(n in data, "a password (%r) crossed "
                                 "%s:%d -> %s:%d in plaintext"
                                 % (n[:4] + b"...", src, sport, dst, dport))
        # the capture saw the plaintext parts of the run: it was working
        seen = b"".join(flows.values())
        self.assertIn(b"STARTTLS", seen)
        self.assertIn(b"P1 LOGOUT", seen)   # imap_plain's only command
        # and the check finds a password that does cross in plaintext:
        # the canary sent below, while the capture ran
        plain = base64.b64encode(b"\0" + CANARY_USER.encode() + b"\0" +
                                 CANARY_PW.encode())
        needles = secrets_of(CANARY_PW, {CANARY_USER})
        self.assertIn(plain, needles)
        for n in (plain, CANARY_PW.encode()):
            self.assertTrue(n in seen, "the capture check is blind")


CANARY_PW = "Canary-not-a-password-0"
CANARY_USER = "canary@fake.example"


def send_canary():
    """A positive control: SASL PLAIN in plaintext, sent by the test
    itself (never by pacc) to the plaintext IMAP server."""
    plain = base64.b64encode(b"\0" + CANARY_USER.encode() + b"\0" +
                             CANARY_PW.encode())
    with socket.create_connection(("127.0.0.1", FAKE["imap_plain"]),
                                  timeout=5) as s:
        s.recv(4096)
        s.sendall(CANARY_PW.encode() + b"\r\nC1 AUTHENTICATE PLAIN " +
                  plain + b"\r\nC2 LOGOUT\r\n")
        time.sleep(0.2)
    return plain


def read_pcap(path):
    """TCP and UDP payloads per flow direction, in capture order."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    flows = {}
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        assert incl == orig, "truncated packet in the capture"
        if link == 1:      # Ethernet
            if len(pkt) < 14:
                continue
            etype = struct.unpack("!H", pkt[12:14])[0]
            ip = pkt[14:]
        elif link == 113:  # Linux cooked
            etype = struct.unpack("!H", pkt[14:16])[0]
            ip = pkt[16:]
        else:
            continue
        if etype == 0x0800 and len(ip) >= 20:
            ihl = (ip[0] & 15) * 4
            proto = ip[9]
            src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(
                ip[16:20])
            l4 = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
        elif etype == 0x86dd and len(ip) >= 40:
            proto = ip[6]
            src = socket.inet_ntop(socket.AF_INET6, ip[8:24])
            dst = socket.inet_ntop(socket.AF_INET6, ip[24:40])
            l4 = ip[40:]
        else:
            continue
        if proto == 6 and len(l4) >= 20:
            payload = l4[(l4[12] >> 4) * 4:]
        elif proto == 17 and len(l4) >= 8:
            payload = l4[8:]
        else:
            continue
        if not payload:
            continue
        sport, dport = struct.unpack("!HH", l4[:4])
        key = (src, sport, dst, dport)
        flows[key] = flows.get(key, b"") + payload
    return flows


# ---- set-up ----

def start_capture():
    global CAPTURE
    tcpdump = shutil.which("tcpdump") or "/usr/bin/tcpdump"
    if os.geteuid() != 0 or not os.path.exists(tcpdump):
        return
    prefix = WORLD["PACC_WORLD_PREFIX"]
    pcap = os.path.join(TMP, "login.pcap")
    errf = os.path.join(TMP, "tcpdump.err")
    filt = ("(net %s.0.0/16 or host 127.0.0.1) and not port 12345 and "
            "not port 5232" % prefix)
    err = open(errf, "w")
    proc = subprocess.Popen([tcpdump, "-i", "lo", "-n", "-U", "-s", "0",
                             "-Z", "root", "-w", pcap, filt],
                            stdout=subprocess.DEVNULL, stderr=err)
    err.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(errf, encoding="utf-8", errors="replace") as f:
            if "listening on" in f.read():
                CAPTURE = (proc, pcap, errf)
                return
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise RuntimeError("tcpdump did not start")


def start_fake():
    global FAKE_PROC
    d = os.path.join(TMP, "fake")
    os.mkdir(d)
    FAKE_PROC = subprocess.Popen(["/usr/bin/python3", FAKE_AUTH, "--certdir",
                                  d, "--make-certs"],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
    for line in FAKE_PROC.stdout:
        line = line.decode().strip()
        if line == "READY":
            return
        name, port = line.split()
        FAKE[name] = int(port)
    raise RuntimeError("fake_auth.py did not start")


def sasl_binary():
    if SASL_BIN and os.access(SASL_BIN, os.X_OK):
        return SASL_BIN
    out = os.path.join(TMP, "sasl_server")
    try:
        flags = subprocess.run(["pkg-config", "--cflags", "--libs",
                                "openssl", "libgsasl"], capture_output=True,
                               check=True).stdout.decode().split()
        subprocess.run(["cc", "-std=c11", "-D_POSIX_C_SOURCE=200809L",
                        "-D_DEFAULT_SOURCE", "-O1", SASL_SRC, "-o", out]
                       + flags, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out


def start_sasl():
    binary = sasl_binary()
    if binary is None:
        return
    d = os.path.join(TMP, "fake")
    variants = {"tls13": [], "tls12": ["--tls12"], "wrongcb": ["--wrong-cb"],
                "badfinal": ["--bad-final"], "skipfinal": ["--skip-final"],
                "noplus": ["--mechs", "SCRAM-SHA-256"]}
    for name, extra in variants.items():
        rec = os.path.join(TMP, "sasl-%s.log" % name)
        p = subprocess.Popen([binary, "--cert", os.path.join(d, "good.pem"),
                              "--key", os.path.join(d, "good.key"),
                              "--user", "alice@fake.example",
                              "--password", SCRAM_PW, "--record", rec]
                             + extra, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        SASL_PROCS.append(p)
        port = int(p.stdout.readline())
        if p.stdout.readline().strip() != b"READY":
            raise RuntimeError("sasl_server did not start")
        open(rec, "a").close()
        SASL[name] = (port, rec)


def setUpModule():
    global TMP
    TMP = tempfile.mkdtemp(prefix="pacc-login-")
    start_capture()
    start_fake()
    start_sasl()


def tearDownModule():
    global CAPTURE
    for p in SASL_PROCS + ([FAKE_PROC] if FAKE_PROC else []):
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if CAPTURE is not None:
        CAPTURE[0].terminate()
        CAPTURE[0].wait()
        CAPTURE = None
    if TMP and not os.environ.get("PACC_KEEP_TMP"):
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        SASL_BIN = os.path.abspath(sys.argv.pop(1))
    SASL_BIN = SASL_BIN or os.environ.get("PACC_SASL_SERVER")
    env_file = os.environ.get("PACC_WORLD_ENV")
    if not env_file or not os.path.exists(env_file):
        print("PACC_WORLD_ENV not set: the test world is not running; "
              "run tests/run", file=sys.stderr)
        sys.exit(77)
    WORLD = load_env(env_file)
    note(WORLD["PACC_MAIL_PASSWORD"], WORLD["PACC_MAIL_USER"],
         WORLD["PACC_LOCALPART_ADDRESS"])
    for pw in (WRONG, FAKE_PW, SCRAM_PW, SPECIAL_PW, TTY_PW):
        note(pw)
    USERS |= {"alice@mta.example", "alice@fake.example", "ok@fake.example",
              "alice@wrongcert.example"}
    unittest.main(verbosity=2)
