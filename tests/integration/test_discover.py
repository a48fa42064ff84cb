#!/usr/bin/python3
"""`pacc discover --json` against the real test world (tests/world).

Run by meson: test_discover.py PACC_BINARY.  The world must be running;
its env file is named by $PACC_WORLD_ENV (tests/run starts it).  Every case
asserts status, mechanism, integrity, servers and attempts[].code -- not only
exit codes -- and validates the JSON against doc/discover.schema.json.
"""
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(TOP, "doc", "discover.schema.json")
PACC = None
WORLD = {}
TIMEOUT = 2.0


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


def discover(address, *extra, timeout=TIMEOUT):
    cmd = [PACC, "discover", "--json", "--resolver", WORLD["PACC_RESOLVER"],
           "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
           "--ca-file", WORLD["PACC_CA_FILE"], "--timeout", str(timeout),
           *extra, address]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, timeout=2 * timeout + 5)
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


def protocols(obj):
    return [s["protocol"] for s in obj["servers"]]


class Found(unittest.TestCase):
    def check_found(self, address, domain, dnssec, required):
        rc, o, _, err = discover(address)
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], "pacc")
        self.assertEqual(o["domain"], domain)
        self.assertEqual(o["integrity"]["digest"], "verified")
        self.assertEqual(o["integrity"]["dnssec"], dnssec)
        self.assertEqual(o["confirm"]["required"], required)
        self.assertEqual(o["source"],
                         "https://ua-auto-config.%s/.well-known/"
                         "user-agent-configuration.json" % domain)
        self.assertEqual(attempt(o, "pacc")["outcome"], "ok")
        self.assertIsNone(attempt(o, "pacc")["code"])
        self.assertTrue(o["servers"])
        return o

    def test_secure(self):
        o = self.check_found("alice@secure.example", "secure.example",
                             "secure", False)
        self.assertEqual(o["integrity"]["dnssec_reason"], "validated")
        protos = protocols(o)
        for p in ("jmap", "imap", "smtp", "caldav", "carddav"):
            self.assertIn(p, protos)
        imap = o["servers"][protos.index("imap")]
        self.assertEqual(imap["host"], "imap.secure.example")
        self.assertEqual(imap["port"], 993)
        self.assertEqual(imap["tls"], "implicit")
        self.assertEqual(imap["username"], "alice@secure.example")
        self.assertEqual(sorted(imap["auth"]), ["oauth2", "password"])
        smtp = o["servers"][protos.index("smtp")]
        self.assertEqual(smtp["port"], 465)
        jmap = o["servers"][protos.index("jmap")]
        self.assertTrue(jmap["url"].startswith("https://"))
        self.assertEqual(o["oauth2"]["issuer"], "https://auth.secure.example/")
        self.assertEqual(o["confirm"]["domains"], ["secure.example"])
        self.assertEqual(o["provider"]["name"], "Secure Example")
        # rank 1 decided: pacc-mx was still running or had nothing
        self.assertIn(attempt(o, "pacc-mx")["outcome"],
                      ("cancelled", "absent", "failed"))

    def test_insecure_zone(self):
        o = self.check_found("alice@insecure.example", "insecure.example",
                             "insecure", True)
        self.assertEqual(o["integrity"]["dnssec_reason"], "unsigned")
        self.assertIn("insecure.example", o["confirm"]["domains"])

    def test_demo_domain(self):
        self.check_found("alice@example.com", "example.com", "secure", False)

    def test_txt_rollover(self):
        self.check_found("bob@rollover.example", "rollover.example",
                         "secure", False)

    def test_multi_string_txt(self):
        self.check_found("bob@multistring.example", "multistring.example",
                         "secure", False)

    def test_sha512_digest(self):
        o = self.check_found("bob@sha512.example", "sha512.example",
                             "secure", False)
        self.assertEqual(o["integrity"]["digest_alg"], "sha512")

    def test_sha3_digest(self):
        o = self.check_found("bob@sha3.example", "sha3.example",
                             "secure", False)
        self.assertEqual(o["integrity"]["digest_alg"], "sha3-512")

    def test_unknown_properties_ignored(self):
        o = self.check_found("bob@unknown.example", "unknown.example",
                             "secure", False)
        self.assertIn("imap", protocols(o))
        for s in o["servers"]:
            self.assertIn(s["protocol"], ("jmap", "imap", "pop3", "smtp",
                                          "caldav", "carddav", "webdav",
                                          "managesieve"))

    def test_earlier_draft_format(self):
        o = self.check_found("bob@olddraft.example", "olddraft.example",
                             "secure", False)
        self.assertIn("imap", protocols(o))
        imap = o["servers"][protocols(o).index("imap")]
        self.assertEqual(imap["host"], "imap.olddraft.example")

    def test_idn(self):
        rc, o, _, err = discover("alice@bücher.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["domain"], "xn--bcher-kva.example")
        self.assertEqual(o["domain_unicode"], "bücher.example")
        self.assertEqual(o["address"], "alice@bücher.example")
        self.assertEqual(o["integrity"]["digest"], "verified")

    def test_text_output(self):
        p = subprocess.run(
            [PACC, "discover", "--resolver", WORLD["PACC_RESOLVER"],
             "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"], "--ca-file",
             WORLD["PACC_CA_FILE"], "--timeout", str(TIMEOUT),
             "alice@insecure.example"], capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 0)
        out = p.stdout.decode()
        self.assertIn("found by pacc", out)
        self.assertIn("confirm these domains", out)
        self.assertIn("insecure.example", out)


class IntegrityFailure(unittest.TestCase):
    def check_failure(self, address, code, outcome="failed"):
        rc, o, elapsed, err = discover(address)
        self.assertEqual(rc, 3, err)
        self.assertEqual(o["status"], "integrity-failure")
        self.assertEqual(o["servers"], [])
        a = attempt(o, "pacc")
        self.assertEqual(a["outcome"], outcome)
        self.assertEqual(a["code"], code)
        self.assertTrue(a["detail"])
        for c in o["candidates"]:
            self.assertFalse(c["usable"])
        return o, elapsed

    def test_digest_mismatch_no_fallback(self):
        o, _ = self.check_failure("bob@mismatch.example", "digest-mismatch")
        self.assertEqual(o["integrity"]["digest"], "mismatch")
        self.assertEqual(o["mechanism"], "pacc")
        # the domain's SRV records exist but must not be used
        self.assertEqual(o["servers"], [])

    def test_bogus_dnssec(self):
        o, _ = self.check_failure("bob@bogus.example", "dnssec-bogus")
        self.assertEqual(o["integrity"]["dnssec"], "bogus")
        self.assertEqual(o["integrity"]["dnssec_reason"], "validation-failed")

    def test_wrong_name_certificate(self):
        self.check_failure("bob@wrongcert.example", "cert-invalid")

    def test_tls12_only_server(self):
        self.check_failure("bob@tls12.example", "tls-version")

    def test_redirect_not_followed(self):
        self.check_failure("bob@redirect.example", "redirect")

    def test_oversized_body(self):
        self.check_failure("bob@big.example", "too-large")

    def test_invalid_json(self):
        o, _ = self.check_failure("bob@badjson.example", "invalid-json")
        self.assertEqual(o["integrity"]["digest"], "verified")

    def test_document_404(self):
        self.check_failure("bob@status404.example", "http-status")

    def test_server_never_answers(self):
        o, elapsed = self.check_failure("bob@stall.example", "timeout",
                                        outcome="timeout")
        self.assertLess(elapsed, 2 * TIMEOUT + 5)


class NotFound(unittest.TestCase):
    def test_document_without_txt(self):
        # PACC alone: the world's mail server would answer a guess
        rc, o, _, err = discover("bob@nodigest.example", "--mechanisms",
                                 "pacc,pacc-mx")
        self.assertEqual(rc, 1, err)
        self.assertEqual(o["status"], "not-found")
        self.assertIsNone(o["mechanism"])
        self.assertIsNone(o["source"])
        a = attempt(o, "pacc")
        self.assertEqual(a["outcome"], "failed")
        self.assertEqual(a["code"], "no-digest-record")

    def test_absent(self):
        rc, o, _, err = discover("bob@absent.example")
        self.assertEqual(rc, 1, err)
        self.assertEqual(o["status"], "not-found")
        self.assertEqual(attempt(o, "pacc")["outcome"], "absent")
        self.assertEqual(o["integrity"]["digest"], "absent")
        self.assertEqual(attempt(o, "pacc-mx")["code"], "mta-sts-absent")


class MxFallback(unittest.TestCase):
    def test_mx_host_form(self):
        rc, o, _, err = discover("carol@mxhost.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], "pacc-mx")
        self.assertEqual(o["integrity"]["digest"], "verified")
        self.assertEqual(o["mx"]["name_form"], "mx-host")
        self.assertEqual(sorted(o["mx"]["hosts"]),
                         ["mx1.hoster.example", "mx2.hoster.example"])
        self.assertTrue(o["confirm"]["required"])
        self.assertIn("hoster.example", o["confirm"]["domains"])
        self.assertEqual(attempt(o, "pacc")["outcome"], "absent")
        self.assertEqual(attempt(o, "pacc-mx")["outcome"], "ok")
        self.assertTrue(o["servers"])
        self.assertTrue(o["source"].startswith("https://ua-auto-config.mx"))

    def test_mx_parent_form(self):
        rc, o, _, err = discover("carol@mxparent.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["mechanism"], "pacc-mx")
        self.assertEqual(o["mx"]["name_form"], "mx-parent")
        self.assertEqual(o["source"],
                         "https://ua-auto-config.hosting2.example/"
                         ".well-known/user-agent-configuration.json")

    def check_mx_failure(self, address, code):
        rc, o, _, err = discover(address)
        self.assertEqual(rc, 1, err)
        self.assertEqual(o["status"], "not-found")
        self.assertEqual(o["servers"], [])
        a = attempt(o, "pacc-mx")
        self.assertEqual(a["outcome"], "failed")
        self.assertEqual(a["code"], code)

    def test_mx_documents_differ(self):
        self.check_mx_failure("carol@mxdiffer.example", "mx-documents-differ")

    def test_mta_sts_testing_mode(self):
        self.check_mx_failure("carol@mxtesting.example", "mta-sts-not-enforce")

    def test_mx_not_in_policy(self):
        self.check_mx_failure("carol@mxnotinpolicy.example",
                              "mx-not-in-policy")


class BadInput(unittest.TestCase):
    def test_malformed_addresses(self):
        for bad in ("no-at-sign", "a@", "@b.example", "a@@b.example",
                    "a b@c.example", "a@[127.0.0.1]", "a@exa mple.com",
                    "a@-bad-.example", b"\xff@x.example",
                    b"a@x\xc3.example", "a" * 65 + "@x.example"):
            rc, o, _, _ = discover(bad)
            self.assertEqual(rc, 2, bad)
            self.assertEqual(o["status"], "error")
            self.assertEqual(o["error"]["code"], "bad-address")
            self.assertEqual(o["servers"], [])

    def test_usage_errors(self):
        for args in (["discover"], ["discover", "--timeout", "0", "a@b.c"],
                     ["discover", "--mechanisms", "nope", "a@b.c"],
                     ["discover", "--resolver", "not-an-ip", "a@b.c"],
                     ["frobnicate"], ["discover", "--bogus", "a@b.c"]):
            p = subprocess.run([PACC, *args], capture_output=True,
                               timeout=10)
            self.assertEqual(p.returncode, 2, args)

    def test_mechanisms_option(self):
        rc, o, _, err = discover("alice@secure.example", "--mechanisms",
                                 "pacc-mx")
        self.assertEqual(attempt(o, "pacc")["outcome"], "skipped")
        self.assertEqual(attempt(o, "pacc")["code"], "not-requested")
        self.assertEqual(o["status"], "not-found")
        self.assertEqual(rc, 1, err)

    def test_option_after_address(self):
        p = subprocess.run(
            [PACC, "discover", "alice@secure.example", "--json",
             "--resolver=" + WORLD["PACC_RESOLVER"], "--trust-anchor",
             WORLD["PACC_TRUST_ANCHOR"], "--ca-file", WORLD["PACC_CA_FILE"],
             "--timeout=2"], capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["status"], "found")


class Environment(unittest.TestCase):
    def test_resolver_unreachable(self):
        # nothing listens there: the start-up check never answers
        p = subprocess.run(
            [PACC, "discover", "--json", "--resolver", "127.0.0.9@5399",
             "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
             "--timeout", "1", "alice@secure.example"],
            capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 4, p.stderr)
        o = json.loads(p.stdout)
        validate(o)
        self.assertEqual(o["status"], "error")
        self.assertEqual(o["error"]["code"], "resolver-error")

    def test_upstream_without_dnssec(self):
        # the authoritative server does not validate nor recurse with
        # DNSSEC for us: every answer must be insecure, never bogus
        p = subprocess.run(
            [PACC, "discover", "--json", "--resolver",
             WORLD["PACC_NODNSSEC_RESOLVER"], "--trust-anchor",
             WORLD["PACC_TRUST_ANCHOR"], "--ca-file", WORLD["PACC_CA_FILE"],
             "--timeout", "2", "alice@secure.example"],
            capture_output=True, timeout=10)
        o = json.loads(p.stdout)
        validate(o)
        self.assertEqual(o["status"], "found", p.stderr)
        self.assertEqual(o["integrity"]["dnssec"], "insecure")
        self.assertEqual(o["integrity"]["dnssec_reason"],
                         "upstream-no-dnssec")
        self.assertTrue(o["confirm"]["required"])


class Compare(unittest.TestCase):
    """--compare: configuration updates (the earlier draft's "Config
    updates"): only an authenticated answer may be applied silently."""

    def save(self, address, path):
        rc, o, _, err = discover(address)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(o, f)
        return o

    def test_unchanged_and_authenticated_change(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            prev = os.path.join(tmp, "prev.json")
            o = self.save("alice@secure.example", prev)
            rc, n, _, err = discover("alice@secure.example", "--compare",
                                     prev)
            self.assertEqual(rc, 0, err)
            self.assertEqual(n["compare"]["decision"], "unchanged")
            o["servers"][1]["host"] = "imap.evil.example"
            with open(prev, "w", encoding="utf-8") as f:
                json.dump(o, f)
            rc, n, _, err = discover("alice@secure.example", "--compare",
                                     prev)
            self.assertEqual(n["compare"]["decision"], "accept")
            self.assertTrue(n["compare"]["authenticated"])
            kinds = [c["kind"] for c in n["compare"]["changes"]]
            self.assertIn("added", kinds)
            self.assertIn("removed", kinds)

    def test_unauthenticated_change_needs_approval(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            prev = os.path.join(tmp, "prev.json")
            o = self.save("alice@insecure.example", prev)
            o["servers"][1]["port"] = 9993
            with open(prev, "w", encoding="utf-8") as f:
                json.dump(o, f)
            rc, n, _, err = discover("alice@insecure.example", "--compare",
                                     prev)
            self.assertEqual(rc, 0, err)
            self.assertEqual(n["compare"]["decision"], "needs-approval")
            self.assertFalse(n["compare"]["authenticated"])

    def test_bad_previous_file(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write("[1,2,3]")
            f.flush()
            p = subprocess.run([PACC, "discover", "--compare", f.name,
                                "--resolver", WORLD["PACC_RESOLVER"],
                                "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
                                "--ca-file", WORLD["PACC_CA_FILE"],
                                "--timeout", "2", "alice@secure.example"],
                               capture_output=True, timeout=20)
            self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    env_file = os.environ.get("PACC_WORLD_ENV")
    if not env_file or not os.path.exists(env_file):
        print("PACC_WORLD_ENV not set: the test world is not running; "
              "run tests/run", file=sys.stderr)
        sys.exit(77)
    WORLD = load_env(env_file)
    unittest.main(verbosity=2)
