#!/usr/bin/python3
"""`pacc check DOMAIN` against the real test world (tests/world).

Run by meson: test_check.py PACC_BINARY.  The world must be running; its
env file is named by $PACC_WORLD_ENV.  Every misconfigured domain asserts
the exact check id and status it must produce (tests/world/parts/check.sh
and the core world's domains); the clean domain has no FAIL and exits 0;
--json output validates against doc/check.schema.json; every check id the
library can emit is documented in pacc(1).
"""
import json
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(TOP, "doc", "check.schema.json")
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from test_discover import load_env  # noqa: E402  (the shared harness)

PACC = None
WORLD = {}
# generous: the sanitized build is about three times slower, and the
# audit's live probes run after every document has arrived
TIMEOUT = 20.0
_cache = {}


def validate(obj):
    import jsonschema
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.validate(obj, schema)


def run(domain, *extra, timeout=TIMEOUT, resolver=None, json_out=True):
    cmd = [PACC, "check", "--resolver", resolver or WORLD["PACC_RESOLVER"],
           "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
           "--ca-file", WORLD["PACC_CA_FILE"], "--timeout", str(timeout),
           *extra, domain]
    if json_out:
        cmd.insert(2, "--json")
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, timeout=2 * timeout + 10)
    return p, time.monotonic() - t0


def check(domain):
    """The --json audit of a domain (once per domain), schema-validated."""
    if domain not in _cache:
        for attempt in range(3):
            p, _ = run(domain)
            try:
                obj = json.loads(p.stdout.decode("utf-8"))
            except ValueError as e:
                raise AssertionError("not one JSON object on stdout (%s): "
                                     "%r\nstderr: %s" % (
                                         e, p.stdout[:500],
                                         p.stderr.decode()[:2000]))
            validate(obj)
            # a loaded machine (the sanitized build, other test worlds)
            # may make the deadline stop an audit: that says nothing
            # about the domain, so ask again (tests never assert speed)
            slow = "deadline stopped" in obj["message"] or any(
                "timeout" in r["detail"] or "deadline" in r["detail"]
                for r in obj["results"] if r["status"] == "FAIL")
            if not slow:
                break
        _cache[domain] = (p.returncode, obj)
    return _cache[domain]


def setUpModule():
    """Audit every domain the tests name at once, a few at a time: each
    audit mostly waits for servers, and the sanitized build is slow."""
    from concurrent.futures import ThreadPoolExecutor
    with open(os.path.abspath(__file__), encoding="utf-8") as f:
        names = set(re.findall(r'(?:expect|check)\(\s*"([^"]+\.example)"',
                               f.read()))
    with ThreadPoolExecutor(max_workers=2) as ex:
        list(ex.map(check, sorted(names)))


def findings(obj, check_id):
    return [r for r in obj["results"] if r["check"] == check_id]


def library_ids():
    with open(os.path.join(TOP, "src", "lib", "check_int.h"),
              encoding="utf-8") as f:
        text = f.read()
    return re.findall(r'XX\([A-Z0-9_]+, "[a-z-]+", "([a-z0-9.-]+)"\)', text)


class Base(unittest.TestCase):
    def expect(self, domain, check_id, status, contains=None):
        rc, obj = check(domain)
        got = findings(obj, check_id)
        self.assertTrue(got, "%s: no %s in %s" % (
            domain, check_id, [r["check"] for r in obj["results"]]))
        statuses = [r["status"] for r in got]
        self.assertIn(status, statuses, "%s %s: %s" % (domain, check_id,
                                                       got))
        if contains:
            self.assertTrue(any(contains in r["detail"] for r in got
                                if r["status"] == status),
                            "%s %s: %r not in %s" % (domain, check_id,
                                                     contains, got))
        if status == "FAIL":
            self.assertEqual(rc, 1, "a FAIL must make the exit status 1")
        return obj


class Clean(Base):
    def test_clean_domain_passes(self):
        rc, obj = check("ckgood.example")
        self.assertEqual(rc, 0)
        self.assertIsNone(obj["error"])
        self.assertEqual(obj["domain"], "ckgood.example")
        fails = [r for r in obj["results"] if r["status"] in ("FAIL",
                                                              "WARN")]
        self.assertEqual(fails, [])
        self.assertEqual(obj["summary"]["fail"], 0)
        for cid in ("pacc.txt", "pacc.resolve", "pacc.tls",
                    "pacc.certificate", "pacc.redirect", "pacc.fetch",
                    "pacc.size", "pacc.content-type", "pacc.digest",
                    "pacc.json", "pacc.document", "pacc.probe",
                    "mta-sts.txt", "mta-sts.policy-fetch",
                    "mta-sts.content-type", "mta-sts.policy",
                    "mta-sts.mode", "mta-sts.mx-match", "srv.records",
                    "srv.label", "srv.port", "srv.cname-target",
                    "srv.target-address", "srv.target-domain",
                    "srv.probe", "autoconfig.fetch", "autoconfig.https",
                    "autoconfig.content-type", "autoconfig.xml",
                    "autoconfig.servers", "autoconfig.placeholder",
                    "autoconfig.socket-type", "autoconfig.plaintext",
                    "autoconfig.port-tls", "autoconfig.auth",
                    "dnssec.record", "cross.hosts", "cross.ports"):
            got = findings(obj, cid)
            self.assertTrue(got, cid)
            self.assertTrue(all(r["status"] == "PASS" for r in got),
                            (cid, got))
        # every server of the document was probed live
        self.assertEqual(len(findings(obj, "pacc.probe")), 5)
        self.assertIn("PACC itself",
                      findings(obj, "pacc-mx.fallback")[0]["detail"])
        self.assertEqual(findings(obj, "autodiscover.fetch")[0]["status"],
                         "SKIP")

    def test_text_output(self):
        p, _ = run("ckgood.example", json_out=False)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        lines = out.splitlines()
        self.assertEqual(lines[0], "pacc check ckgood.example")
        for g in ("pacc", "pacc-mx", "mta-sts", "srv", "autoconfig",
                  "autodiscover", "dnssec", "cross"):
            self.assertIn("== %s" % g, lines)
        checks = [x for x in lines if re.match(r"^(PASS|WARN|FAIL|SKIP) ",
                                               x)]
        self.assertGreater(len(checks), 40)
        for x in checks:
            self.assertRegex(x, r"^(PASS|WARN|FAIL|SKIP) [a-z0-9-]+\."
                                r"[a-z0-9-]+: \S")
        self.assertRegex(lines[-1], r"^summary: \d+ passed, 0 warnings, "
                                    r"0 failed, \d+ skipped$")

    def test_nothing_published(self):
        rc, obj = check("absent.example")
        self.assertEqual(rc, 0)
        for cid in ("pacc.txt", "mta-sts.txt", "srv.records",
                    "autoconfig.fetch", "autodiscover.fetch"):
            got = findings(obj, cid)
            self.assertEqual([r["status"] for r in got], ["SKIP"], cid)
            self.assertIn("not published" if cid != "srv.records"
                          else "no SRV records", got[0]["detail"])


class Pacc(Base):
    def test_txt_syntax_error(self):
        self.expect("cktxt.example", "pacc.txt", "FAIL", "base64")

    def test_no_digest_record(self):
        o = self.expect("nodigest.example", "pacc.txt", "FAIL",
                        "no v=UAAC1 TXT record")
        # the record to publish is printed
        self.assertIn('"v=UAAC1; a=sha256; d=',
                      findings(o, "pacc.digest")[0]["detail"])

    def test_stale_digest_prints_expected_record(self):
        o = self.expect("mismatch.example", "pacc.digest", "FAIL",
                        "Expected: _ua-auto-config.mismatch.example. IN "
                        'TXT "v=UAAC1; a=sha256; d=')
        # the record printed is the sha256 of the bytes actually served
        import base64
        import hashlib
        www = WORLD["PACC_WWW"]
        with open(os.path.join(www, "ua-auto-config.mismatch.example",
                               ".well-known",
                               "user-agent-configuration.json"), "rb") as f:
            want = base64.b64encode(hashlib.sha256(f.read()).digest())
        self.assertIn(want.decode(), findings(o, "pacc.digest")[0]["detail"])

    def test_rollover_passes(self):
        self.expect("rollover.example", "pacc.txt", "PASS", "rollover")
        self.expect("rollover.example", "pacc.digest", "PASS")

    def test_wrong_certificate(self):
        self.expect("wrongcert.example", "pacc.certificate", "FAIL",
                    "not valid for ua-auto-config.wrongcert.example")

    def test_tls12_only(self):
        self.expect("tls12.example", "pacc.tls", "FAIL", "TLS 1.3")

    def test_redirect(self):
        self.expect("redirect.example", "pacc.redirect", "FAIL",
                    "https://ua-auto-config.secure.example/")

    def test_too_large(self):
        self.expect("big.example", "pacc.size", "FAIL", "65536")

    def test_not_found(self):
        self.expect("status404.example", "pacc.fetch", "FAIL", "HTTP 404")

    def test_host_does_not_resolve(self):
        self.expect("cknohost.example", "pacc.resolve", "FAIL", "NXDOMAIN")
        self.expect("cknohost.example", "pacc.fetch", "SKIP",
                    "does not resolve")

    def test_not_published(self):
        self.expect("mxhost.example", "pacc.txt", "SKIP", "not published")

    def test_invalid_json(self):
        self.expect("badjson.example", "pacc.json", "FAIL",
                    "not valid JSON")

    def test_document_members(self):
        self.expect("ckdoc.example", "pacc.document", "FAIL",
                    "info.provider.name")

    def test_earlier_draft_document(self):
        self.expect("olddraft.example", "pacc.document", "FAIL",
                    "earlier draft")

    def test_live_probe_of_listed_server(self):
        o = self.expect("ckprobe.example", "pacc.probe", "FAIL",
                        "imap.ckprobe.example:993")
        # the other servers of the document still pass
        self.assertIn("PASS", [r["status"] for r in
                               findings(o, "pacc.probe")])

    def test_bogus_txt(self):
        self.expect("bogus.example", "pacc.txt", "FAIL", "DNSSEC-bogus")
        self.expect("bogus.example", "dnssec.record", "FAIL",
                    "_ua-auto-config.bogus.example TXT: bogus")


class MtaSts(Base):
    def test_testing_mode(self):
        self.expect("mxtesting.example", "mta-sts.mode", "WARN", "testing")
        self.expect("mxtesting.example", "pacc-mx.fallback", "FAIL",
                    "mta-sts-not-enforce")

    def test_mx_outside_policy(self):
        self.expect("mxnotinpolicy.example", "mta-sts.mx-match", "FAIL",
                    "mx1.hoster.example")
        self.expect("mxnotinpolicy.example", "pacc-mx.fallback", "FAIL",
                    "mx-not-in-policy")

    def test_rfc8461_single_label_wildcard(self):
        self.expect("ckwild.example", "mta-sts.mx-match", "FAIL",
                    "covers exactly one label")
        # its MX host publishes no PACC: the fallback is simply not used
        self.expect("ckwild.example", "pacc-mx.fallback", "SKIP")

    def test_fallback_works(self):
        self.expect("mxhost.example", "pacc-mx.fallback", "PASS", "Hoster")
        # every MX counts for senders, not only the best preference: the
        # MX 20 host is outside an enforce policy
        self.expect("mxhost.example", "mta-sts.mx-match", "FAIL",
                    "backup.elsewhere.example")

    def test_fallback_documents_differ(self):
        self.expect("mxdiffer.example", "pacc-mx.fallback", "FAIL",
                    "mx-documents-differ")


class Srv(Base):
    def test_port_tls_mismatch(self):
        self.expect("cksrvport.example", "srv.port", "FAIL",
                    "_imaps._tcp: imap.cksrvport.example port 143")

    def test_nonstandard_label(self):
        self.expect("cksrvport.example", "srv.label", "WARN", "_smtp._tcp")

    def test_target_without_address(self):
        self.expect("cksrvport.example", "srv.target-address", "FAIL",
                    "missing.cksrvport.example")

    def test_dot_mixed(self):
        self.expect("cksrvdot.example", "srv.dot-target", "FAIL",
                    "_imaps._tcp")

    def test_dot_alone(self):
        rc, _ = check("srvdot.example")
        self.expect("srvdot.example", "srv.dot-target", "PASS",
                    "not offered")
        self.assertEqual(rc, 0)

    def test_cname_target(self):
        self.expect("cksrvcname.example", "srv.cname-target", "FAIL",
                    "alias.cksrvcname.example is an alias of "
                    "imap.cksrvcname.example")

    def test_target_outside_domain(self):
        self.expect("srvoutside.example", "srv.target-domain", "WARN",
                    "hoster.example")

    def test_probe_of_targets(self):
        self.expect("srv.example", "srv.probe", "PASS", "imap.srv.example")

    def test_insecure_zone(self):
        self.expect("srvinsecure.example", "dnssec.record", "WARN",
                    "_imaps._tcp.srvinsecure.example SRV: insecure")


class Autoconfig(Base):
    def test_http_only(self):
        self.expect("achttp.example", "autoconfig.https", "FAIL",
                    "plain http")

    def test_plaintext_socket(self):
        self.expect("ckacplain.example", "autoconfig.plaintext", "WARN",
                    "socketType plain with a password")

    def test_misspelled_placeholder(self):
        self.expect("ckacbad.example", "autoconfig.placeholder", "FAIL",
                    "%EMAILADDRESS")

    def test_unknown_socket_type(self):
        self.expect("ckacbad.example", "autoconfig.socket-type", "FAIL",
                    '"TLS"')

    def test_port_tls_mismatch(self):
        self.expect("ckacbad.example", "autoconfig.port-tls", "WARN",
                    "STARTTLS on port 993")

    def test_oauth2_without_block(self):
        self.expect("ckacbad.example", "autoconfig.auth", "FAIL",
                    "<oAuth2>")

    def test_well_known_only(self):
        self.expect("acwk.example", "autoconfig.fetch", "PASS",
                    "https://acwk.example/.well-known/")
        self.expect("acwk.example", "autoconfig.xml", "PASS")


class Autodiscover(Base):
    def test_settings(self):
        self.expect("ad.example", "autodiscover.fetch", "PASS")
        self.expect("ad.example", "autodiscover.response", "PASS",
                    "server")

    def test_redirect_addr(self):
        self.expect("adredir.example", "autodiscover.response", "WARN",
                    "bob@adtarget.example")

    def test_srv(self):
        self.expect("adsrv.example", "autodiscover.srv", "PASS",
                    "autodiscover.adsrvhost.example port 443")


class Cross(Base):
    def test_hosts_differ(self):
        self.expect("paccwins.example", "cross.hosts", "FAIL",
                    "imap: pacc says imap.paccwins.example, srv says "
                    "imap.hoster.example")

    def test_hosts_agree(self):
        self.expect("ckgood.example", "cross.hosts", "PASS",
                    "pacc, ")


class Cli(Base):
    def test_resolver_unreachable(self):
        # nothing listens there: an environment error, exit 4
        p, elapsed = run("secure.example", timeout=2,
                         resolver=WORLD["PACC_WORLD_PREFIX"] + ".11.99")
        self.assertEqual(p.returncode, 4, p.stderr.decode())
        obj = json.loads(p.stdout.decode())
        validate(obj)
        self.assertEqual(obj["error"], "resolver-error")
        self.assertLess(elapsed, 15)

    def test_bad_domain(self):
        p, _ = run("not a domain", json_out=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not a valid domain", p.stderr.decode())
        p, _ = run("alice@secure.example", json_out=False)
        self.assertEqual(p.returncode, 2)

    def test_usage(self):
        p = subprocess.run([PACC, "check"], capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        p = subprocess.run([PACC, "check", "a.example", "b.example"],
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 2)

    def test_idn_domain(self):
        rc, obj = check("bücher.example")
        self.assertEqual(obj["domain"], "xn--bcher-kva.example")
        self.assertEqual(rc, 0)

    def test_bounded_by_the_deadline(self):
        # stall.example's document never arrives: the audit ends at the
        # deadline with what it has, and says so
        p, elapsed = run("stall.example", timeout=2)
        obj = json.loads(p.stdout.decode())
        validate(obj)
        self.assertEqual(p.returncode, 1)
        self.assertLess(elapsed, 8)
        self.assertEqual(findings(obj, "pacc.fetch")[0]["status"], "FAIL")

    def test_every_id_documented(self):
        with open(os.path.join(TOP, "doc", "pacc.1"), encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        ids = library_ids()
        self.assertGreater(len(ids), 30)
        self.assertEqual(len(ids), len(set(ids)))
        for cid in ids:
            self.assertTrue(re.search(r"^\.B %s$" % re.escape(cid), man,
                                      re.M),
                            "check id %s is not documented in pacc(1)" % cid)

    def test_every_id_tested(self):
        with open(os.path.abspath(__file__), encoding="utf-8") as f:
            me = f.read()
        for cid in library_ids():
            self.assertIn('"%s"' % cid, me, "no test names %s" % cid)


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    env_file = os.environ.get("PACC_WORLD_ENV")
    if not env_file or not os.path.exists(env_file):
        print("PACC_WORLD_ENV not set: the test world is not running; "
              "run tests/run", file=sys.stderr)
        sys.exit(77)
    WORLD = load_env(env_file)
    unittest.main(verbosity=2)
