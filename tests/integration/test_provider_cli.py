#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`pacc publish` and `pacc convert` without the test world: exit codes,
outputs, JSON schemas, and the whole ISPDB corpus (PACC_SHARED_DATA/ispdb):
every file converts or says specifically why not, the known upstream
mistakes of its SOURCE.md are reported, and every converted document passes
`pacc publish`.  usage: test_provider_cli.py PACC_BINARY"""
import base64
import collections
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACC = None
SHARED = os.environ.get("PACC_SHARED_DATA",
                        os.path.join(TOP, "..", "shared", "data"))
ISPDB = os.path.join(SHARED, "ispdb")
GOOD = os.path.join(TOP, "tests", "data", "pacc", "current-full.json")

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "tests", "schema"))


def schema_check(obj, name):
    import jsonschema
    with open(os.path.join(TOP, "doc", name), encoding="utf-8") as f:
        jsonschema.validate(obj, json.load(f))


def run(*args, stdin=None):
    p = subprocess.run([PACC] + list(args), capture_output=True, input=stdin,
                       timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def codes(report):
    return {d["code"] for d in report}


class Publish(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path

    def test_value_without_domain(self):
        with open(GOOD, "rb") as f:
            body = f.read()
        rc, out, err = run("publish", GOOD)
        self.assertEqual(rc, 0, err)
        d = base64.b64encode(hashlib.sha256(body).digest()).decode()
        self.assertEqual(out, "v=UAAC1; a=sha256; d=%s\n" % d)

    def test_zone_line_with_domain(self):
        with open(GOOD, "rb") as f:
            body = f.read()
        before = os.stat(GOOD).st_mtime_ns
        rc, out, err = run("publish", "--domain", "B\u00fccher.Example", GOOD,
                           "--mx", "mx1.hoster.example")
        self.assertEqual(rc, 0, err)
        d = base64.b64encode(hashlib.sha256(body).digest()).decode()
        lines = [l for l in out.splitlines() if not l.startswith(";")]
        # the only non-comment line: loadable as a zone fragment
        self.assertEqual(lines, ['_ua-auto-config.xn--bcher-kva.example. 3600 IN TXT '
                                 '"v=UAAC1; a=sha256; d=%s"' % d])
        self.assertIn("https://ua-auto-config.xn--bcher-kva.example"
                      "/.well-known/user-agent-configuration.json", out)
        self.assertIn("default_type application/json;", out)
        self.assertIn("; _ua-auto-config.mx1.hoster.example. 3600 IN TXT", out)
        self.assertIn("mode: enforce", out)
        self.assertNotIn("return 301", out)
        with open(GOOD, "rb") as f:
            self.assertEqual(f.read(), body, "FILE is never rewritten")
        self.assertEqual(os.stat(GOOD).st_mtime_ns, before)

    def test_algorithms(self):
        with open(GOOD, "rb") as f:
            body = f.read()
        for alg, h in (("sha512", hashlib.sha512), ("sha3-512", hashlib.sha3_512),
                       ("sha256", hashlib.sha256)):
            rc, out, err = run("publish", "--alg", alg, GOOD)
            self.assertEqual(rc, 0, err)
            d = base64.b64encode(h(body).digest()).decode()
            self.assertEqual(out.strip(), "v=UAAC1; a=%s; d=%s" % (alg, d))
        rc, out, err = run("publish", "--alg", "md5", GOOD)
        self.assertEqual(rc, 2)
        self.assertEqual(out, "")

    def test_json(self):
        rc, out, err = run("publish", "--json", "--domain", "example.com",
                           "--mx", "mx.hoster.example", GOOD)
        self.assertEqual(rc, 0, err)
        obj = json.loads(out)
        schema_check(obj, "publish.schema.json")
        self.assertTrue(obj["valid"])
        self.assertEqual(obj["record"]["name"], "_ua-auto-config.example.com.")
        self.assertEqual(obj["mx_hoster"]["mx"], "mx.hoster.example")
        self.assertIn("application/json", obj["nginx"])
        rc, out, err = run("publish", "--json", GOOD)
        obj = json.loads(out)
        schema_check(obj, "publish.schema.json")
        self.assertIsNone(obj["record"]["zone_line"])
        self.assertIsNone(obj["nginx"])

    def test_invalid(self):
        bad = self.write("bad.json", '{"protocols":{"imap":{"host":"b\u00fccher.example"},'
                         '"smtp":{"host":"s.example"}},"info":{"provider":{"name":""}},'
                         '"servers":{}}')
        rc, out, err = run("publish", "--domain", "example.com", bad)
        self.assertEqual(rc, 1)
        self.assertEqual(out, "", "no record for an invalid document")
        self.assertIn("error host-not-a-label at /protocols/imap/host", err)
        self.assertIn("xn--bcher-kva.example", err)
        self.assertIn("warning smtp-key at /protocols/smtp", err)
        self.assertIn("error empty-text at /info/provider/name", err)
        self.assertIn("warning earlier-draft-key at /servers", err)
        rc, out, err = run("publish", "--json", bad)
        self.assertEqual(rc, 1)
        obj = json.loads(out)
        schema_check(obj, "publish.schema.json")
        self.assertFalse(obj["valid"])
        self.assertIsNone(obj["record"])
        self.assertGreaterEqual(obj["errors"], 2)
        for body, code in (("", "invalid-json"), ("[]", "not-an-object"),
                           ('{"a":1,"a":1}', "duplicate-member"),
                           ("\ufeff{}", "byte-order-mark")):
            rc, out, err = run("publish", "--json", self.write("x.json", body))
            self.assertEqual(rc, 1, body)
            self.assertIn(code, codes(json.loads(out)["diagnostics"]))

    def test_warnings_only(self):
        doc = self.write("w.json", '{"protocols":{"imap":{"host":"i.example.org"}},'
                         '"info":{"provider":{"name":"W"}},"x-extra":1}')
        rc, out, err = run("publish", doc)
        self.assertEqual(rc, 0, err)
        self.assertIn("warning unknown-member at /x-extra", err)
        self.assertIn("warning no-authentication", err)
        self.assertTrue(out.startswith("v=UAAC1; a=sha256; d="))

    def test_usage(self):
        self.assertEqual(run("publish")[0], 2)
        self.assertEqual(run("publish", "/nonexistent/x.json")[0], 2)
        self.assertEqual(run("publish", "--domain", "no_such..domain", GOOD)[0], 2)
        self.assertEqual(run("publish", "--domain")[0], 2)
        self.assertEqual(run("publish", GOOD, GOOD)[0], 2)
        with open(GOOD, "rb") as f:
            rc, out, err = run("publish", "-", stdin=f.read())
        self.assertEqual(rc, 0, err)


class Convert(unittest.TestCase):
    def test_round_trip(self):
        rc, xml, err = run("convert", "--domain", "example.com", GOOD)
        self.assertEqual(rc, 1, err)  # jmap and oauth-public are lost
        self.assertIn("protocol-not-expressible", err)
        self.assertIn("oauth-public-not-expressible", err)
        self.assertIn("<domain>example.com</domain>", xml)
        with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
            f.write(xml)
            f.flush()
            rc, js, err = run("convert", f.name)
            self.assertEqual(rc, 0, err)  # every server survives
            doc = json.loads(js)
            self.assertEqual(doc["protocols"]["imap"], {"host": "imap.example.test"})
            rc, out, err = run("convert", "--json", f.name)
            obj = json.loads(out)
            schema_check(obj, "convert.schema.json")
            self.assertTrue(obj["lossless"])
            self.assertEqual(obj["from"], "clientconfig-xml")

    def test_not_a_document(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("hello")
            f.flush()
            rc, out, err = run("convert", f.name)
            self.assertEqual(rc, 2)
            self.assertIn("neither clientConfig XML", err)

    def test_ispdb_corpus(self):
        files = sorted(n for n in os.listdir(ISPDB) if n.endswith(".xml"))
        self.assertEqual(len(files), 163, "the corpus of SOURCE.md")
        count = collections.Counter()
        why = collections.defaultdict(list)
        losses = collections.Counter()
        report_of = {}
        with tempfile.TemporaryDirectory() as tmp:
            for n in files:
                rc, out, err = run("convert", "--json", os.path.join(ISPDB, n))
                self.assertIn(rc, (0, 1, 2), "%s: %s" % (n, err))
                obj = json.loads(out)
                schema_check(obj, "convert.schema.json")
                report_of[n] = obj["report"]
                if rc == 2:
                    self.assertFalse(obj["converted"])
                    errs = [d for d in obj["report"] if d["severity"] == "error"]
                    self.assertTrue(errs, n)
                    count["unconvertible"] += 1
                    why[errs[0]["code"] + ": " + re.sub(r"^.*: ", "", errs[0]["message"])].append(n)
                    continue
                self.assertTrue(obj["converted"], n)
                self.assertEqual(obj["lossless"], rc == 0, n)
                count["lossless" if rc == 0 else "with losses"] += 1
                for d in obj["report"]:
                    if d["severity"] == "warning":
                        losses[d["code"]] += 1
                path = os.path.join(tmp, n + ".json")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(obj["output"])
                rc, pub, err = run("publish", "--json", path)
                self.assertEqual(rc, 0, "%s: converted JSON invalid: %s" % (n, pub))
                self.assertTrue(json.loads(pub)["valid"])
        # SOURCE.md's known upstream mistakes are reported, not crashed on
        self.assertIn("placeholder-malformed", codes(report_of["office365.com.xml"]))
        self.assertIn("server-type-not-expressible", codes(report_of["office365.com.xml"]))
        self.assertIn("misspelt-element", codes(report_of["nili.ca.xml"]))
        for n in ("bluewin.ch.xml", "messagingengine.com.xml", "zoho.com.au.xml"):
            self.assertIn("provider-id-mismatch", codes(report_of[n]), n)
        self.assertIn("oauth2-not-expressible", codes(report_of["googlemail.com.xml"]))
        self.assertTrue(report_of["kokuyou.ne.jp.xml"])
        for n, r in report_of.items():
            with open(os.path.join(ISPDB, n), encoding="utf-8") as f:
                if "<hostname>%EMAILDOMAIN%" in f.read():
                    self.assertTrue({"hostname-placeholder", "no-expressible-server"}
                                    & codes(r), n)
        print("\nISPDB corpus: %d files: %d converted without loss, %d converted "
              "with losses, %d not convertible" % (len(files), count["lossless"],
                                                   count["with losses"],
                                                   count["unconvertible"]),
              file=sys.stderr)
        for k, v in sorted(why.items()):
            print("  not convertible (%d), %s: %s" % (len(v), k, " ".join(v)),
                  file=sys.stderr)
        print("  losses reported: " + ", ".join("%s %d" % kv for kv in
                                                losses.most_common()),
              file=sys.stderr)
        self.assertEqual(sum(count.values()), 163)


class Docs(unittest.TestCase):
    def test_every_code_documented(self):
        with open(os.path.join(TOP, "doc", "pacc.1"), encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        found = set()
        for name in ("provider.c", "convert.c", "diag.c"):
            with open(os.path.join(TOP, "src", "lib", name), encoding="utf-8") as f:
                text = f.read()
            found.update(re.findall(r'PACC_SEVERITY_[A-Z]+,\s*"([a-z0-9-]+)"', text))
            found.update(re.findall(r'put\(d, PACC_SEVERITY_[A-Z]+, "([a-z0-9-]+)"', text))
            # the length codes handed to check_text()
            found.update(re.findall(r'"((?:short-)?name-(?:too-)?long)"', text))
        self.assertGreater(len(found), 60)
        for c in sorted(found):
            self.assertTrue(re.search(r"^\.B %s$" % re.escape(c), man, re.M),
                            "diagnostic code %s is not documented in pacc(1)" % c)


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
