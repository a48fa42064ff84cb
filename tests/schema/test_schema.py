#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks doc/discover.schema.json: hand-written results that must validate
and mutations of them that must not, plus validate.py's exit statuses.

Run: /usr/bin/python3 tests/schema/test_schema.py
"""

import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(ROOT, "doc", "discover.schema.json")
VALIDATE = os.path.join(HERE, "validate.py")

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import validate  # noqa: E402


def integrity(digest="n/a", dnssec="n/a", reason=None, **extra):
    d = {"digest": digest, "dnssec": dnssec, "dnssec_reason": reason}
    d.update(extra)
    return d


def attempt(mech, outcome, code=None, detail=None, ms=0):
    return {"mechanism": mech, "outcome": outcome, "code": code,
            "detail": detail, "elapsed_ms": ms}


def not_implemented(mechs):
    return [attempt(m, "skipped", "not-implemented",
                    "this version does not implement %s" % m)
            for m in mechs]


LOWER = ["pacc-srv", "webfinger", "srv", "autoconfig", "autodiscover",
         "ispdb", "guess"]

SERVERS = [
    {"protocol": "jmap", "url": "https://jmap.example.com/session",
     "auth": ["oauth2"]},
    {"protocol": "imap", "host": "imap.example.com", "port": 993,
     "tls": "implicit", "username": "alice@example.com",
     "auth": ["password", "oauth2"]},
    {"protocol": "pop3", "host": "pop.example.com", "port": 995,
     "tls": "implicit", "username": "alice@example.com",
     "auth": ["password"]},
    {"protocol": "smtp", "host": "smtp.example.com", "port": 465,
     "tls": "implicit", "username": "alice@example.com",
     "auth": ["password", "oauth2"]},
    {"protocol": "managesieve", "host": "sieve.example.com", "port": 4190,
     "tls": "starttls", "username": "alice@example.com",
     "auth": ["password"]},
    {"protocol": "caldav", "url": "https://dav.example.com/cal/",
     "auth": ["password", "oauth2"]},
    {"protocol": "carddav", "url": "https://dav.example.com/card/",
     "auth": ["password", "oauth2"]},
    {"protocol": "webdav", "url": "https://files.example.com/",
     "auth": ["password"]},
]

FOUND = {
    "address": "alice@example.com",
    "domain": "example.com",
    "domain_unicode": "example.com",
    "status": "found",
    "mechanism": "pacc",
    "source": "https://ua-auto-config.example.com/.well-known/"
              "user-agent-configuration.json",
    "integrity": integrity("verified", "secure", "validated",
                           digest_alg="sha256", dnssec_detail=None),
    "servers": SERVERS,
    "oauth2": {"issuer": "https://auth.example.com/"},
    "provider": {"name": "Example", "shortName": "Ex"},
    "confirm": {"domains": ["example.com"], "required": False},
    "candidates": [
        {"mechanism": "pacc", "usable": True, "servers": SERVERS,
         "integrity": integrity("verified", "secure", "validated",
                                digest_alg="sha256"),
         "source": "https://ua-auto-config.example.com/.well-known/"
                   "user-agent-configuration.json",
         "code": None},
    ],
    "attempts": [attempt("pacc", "ok", None, "document verified", 42),
                 attempt("pacc-mx", "cancelled", None,
                         "a higher-ranked mechanism answered", 42)]
                + not_implemented(LOWER),
    "error": None,
    "mx": None,
}

NOT_FOUND = {
    "address": "bob@bücher.example",
    "domain": "xn--bcher-kva.example",
    "domain_unicode": "bücher.example",
    "status": "not-found",
    "mechanism": None,
    "source": None,
    "integrity": integrity(),
    "servers": [],
    "confirm": {"domains": [], "required": True},
    "candidates": [],
    "attempts": [
        attempt("pacc", "absent", None,
                "no _ua-auto-config TXT record and no document", 17),
        attempt("pacc-mx", "failed", "mta-sts-absent",
                "no _mta-sts TXT record", 9),
    ] + not_implemented(LOWER),
}

INTEGRITY_FAILURE = {
    "address": "carol@example.net",
    "domain": "example.net",
    "domain_unicode": "example.net",
    "status": "integrity-failure",
    "mechanism": "pacc",
    "source": "https://ua-auto-config.example.net/.well-known/"
              "user-agent-configuration.json",
    "integrity": integrity("mismatch", "secure", "validated",
                           digest_alg="sha256",
                           dnssec_detail=None),
    "servers": [],
    "oauth2": None,
    "provider": None,
    "confirm": {"domains": [], "required": True},
    "candidates": [
        {"mechanism": "pacc", "usable": False, "servers": [],
         "integrity": integrity("mismatch", "secure", "validated"),
         "source": None, "code": "digest-mismatch"},
    ],
    "attempts": [
        attempt("pacc", "failed", "digest-mismatch",
                "the document's sha256 digest matches no TXT record", 31),
        attempt("pacc-mx", "cancelled", None, None, 31),
    ] + not_implemented(LOWER),
}

ERROR = {
    "address": "not an address",
    "domain": None,
    "domain_unicode": None,
    "status": "error",
    "mechanism": None,
    "source": None,
    "integrity": integrity(),
    "servers": [],
    "confirm": {"domains": [], "required": True},
    "candidates": [],
    "attempts": [],
    "error": {"code": "bad-address",
              "detail": "the address has no @"},
}

PACC_MX_FOUND = {
    "address": "dave@hosted.example",
    "domain": "hosted.example",
    "domain_unicode": "hosted.example",
    "status": "found",
    "mechanism": "pacc-mx",
    "source": "https://ua-auto-config.mx.provider.example/.well-known/"
              "user-agent-configuration.json",
    "integrity": integrity("verified", "insecure", "upstream-no-dnssec",
                           digest_alg="sha512",
                           dnssec_detail="the upstream resolver does not "
                                         "carry DNSSEC"),
    "servers": SERVERS[1:2],
    "confirm": {"domains": ["example.com"], "required": True},
    "candidates": [],
    "attempts": [attempt("pacc", "absent", None, None, 5),
                 attempt("pacc-mx", "ok", None, None, 80)],
    "mx": {"hosts": ["mx1.provider.example", "mx2.provider.example"],
           "name_form": "mx-parent"},
}

VALID = {
    "found": FOUND,
    "not-found": NOT_FOUND,
    "integrity-failure": INTEGRITY_FAILURE,
    "error": ERROR,
    "pacc-mx-found": PACC_MX_FOUND,
}


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = validate.load_schema(SCHEMA)
        cls.validator = validate.validator_for(cls.schema)

    def errors(self, obj):
        return validate.errors(self.validator, obj)

    def assertValid(self, obj):
        errs = self.errors(obj)
        self.assertEqual(errs, [], "\n".join("%s: %s" % e for e in errs))

    def assertInvalid(self, obj, path):
        """obj must fail, and (at least) at JSONPath `path`."""
        errs = self.errors(obj)
        self.assertTrue(errs, "mutated object validated")
        paths = [p for p, _ in errs]
        self.assertIn(path, paths,
                      "expected an error at %s, got:\n%s"
                      % (path, "\n".join("%s: %s" % e for e in errs)))

    @staticmethod
    def mutate(base):
        return copy.deepcopy(base)

    # ---- valid objects ----

    def test_valid_found_via_pacc(self):
        self.assertValid(FOUND)

    def test_valid_not_found(self):
        self.assertValid(NOT_FOUND)

    def test_valid_integrity_failure(self):
        self.assertValid(INTEGRITY_FAILURE)

    def test_valid_error_bad_address(self):
        self.assertValid(ERROR)

    def test_valid_found_via_pacc_mx(self):
        self.assertValid(PACC_MX_FOUND)

    def test_valid_design_example(self):
        # DESIGN §3 with its placeholders filled in.
        obj = {
            "address": "alice@bücher.example",
            "domain": "xn--bcher-kva.example",
            "domain_unicode": "bücher.example",
            "status": "found",
            "mechanism": "pacc",
            "source": "https://ua-auto-config.example.com/.well-known/"
                      "user-agent-configuration.json",
            "integrity": {"digest": "verified", "dnssec": "secure",
                          "dnssec_reason": "validated"},
            "servers": [
                {"protocol": "imap", "host": "imap.example.com",
                 "port": 993, "tls": "implicit",
                 "username": "alice@example.com",
                 "auth": ["password", "oauth2"]},
                {"protocol": "jmap", "url": "https://jmap.example.com/"
                 "session", "auth": ["oauth2"]},
            ],
            "oauth2": {"issuer": "https://auth.example.com/"},
            "provider": {"name": "Example", "shortName": "Ex"},
            "confirm": {"domains": ["example.com"], "required": True},
            "candidates": [{"mechanism": "srv", "usable": True,
                            "servers": [],
                            "integrity": {"digest": "n/a",
                                          "dnssec": "insecure",
                                          "dnssec_reason": "unsigned"}}],
            "attempts": [{"mechanism": "pacc", "outcome": "ok",
                          "code": None, "detail": "human sentence",
                          "elapsed_ms": 12}],
        }
        self.assertValid(obj)

    def test_valid_added_keys(self):
        # Keys may be added, never renamed: unknown members are fine.
        obj = self.mutate(FOUND)
        obj["future_key"] = {"anything": [1, 2]}
        obj["servers"][0]["future"] = True
        obj["integrity"]["future"] = "x"
        obj["attempts"][0]["future"] = 1
        self.assertValid(obj)

    # ---- mutations that must fail ----

    def test_missing_status(self):
        obj = self.mutate(FOUND)
        del obj["status"]
        self.assertInvalid(obj, "$")

    def test_status_ok(self):
        obj = self.mutate(FOUND)
        obj["status"] = "ok"
        self.assertInvalid(obj, "$.status")

    def test_server_tls_maybe(self):
        obj = self.mutate(FOUND)
        obj["servers"][1]["tls"] = "maybe"
        self.assertInvalid(obj, "$.servers[1].tls")

    def test_server_port_zero(self):
        obj = self.mutate(FOUND)
        obj["servers"][1]["port"] = 0
        self.assertInvalid(obj, "$.servers[1].port")

    def test_attempt_outcome_done(self):
        obj = self.mutate(NOT_FOUND)
        obj["attempts"][0]["outcome"] = "done"
        self.assertInvalid(obj, "$.attempts[0].outcome")

    def test_attempt_code_not_kebab(self):
        obj = self.mutate(INTEGRITY_FAILURE)
        obj["attempts"][0]["code"] = "Digest_Mismatch"
        self.assertInvalid(obj, "$.attempts[0].code")

    def test_found_without_servers(self):
        obj = self.mutate(FOUND)
        obj["servers"] = []
        self.assertInvalid(obj, "$.servers")

    def test_confirm_without_required(self):
        obj = self.mutate(FOUND)
        del obj["confirm"]["required"]
        self.assertInvalid(obj, "$.confirm")

    # A few more the contract implies.

    def test_found_with_null_mechanism(self):
        obj = self.mutate(FOUND)
        obj["mechanism"] = None
        self.assertInvalid(obj, "$.mechanism")

    def test_not_found_with_servers(self):
        obj = self.mutate(NOT_FOUND)
        obj["servers"] = copy.deepcopy(SERVERS[:1])
        self.assertInvalid(obj, "$.servers")

    def test_not_found_with_source(self):
        obj = self.mutate(NOT_FOUND)
        obj["source"] = "https://example.com/"
        self.assertInvalid(obj, "$.source")

    def test_error_without_error_object(self):
        obj = self.mutate(ERROR)
        del obj["error"]
        self.assertInvalid(obj, "$")

    def test_error_code_not_kebab(self):
        obj = self.mutate(ERROR)
        obj["error"]["code"] = "BadAddress"
        self.assertInvalid(obj, "$.error.code")

    def test_integrity_failure_with_servers(self):
        obj = self.mutate(INTEGRITY_FAILURE)
        obj["servers"] = copy.deepcopy(SERVERS[:1])
        self.assertInvalid(obj, "$.servers")

    def test_tcp_server_without_host(self):
        obj = self.mutate(FOUND)
        del obj["servers"][1]["host"]
        self.assertInvalid(obj, "$.servers[1]")

    def test_http_server_without_url(self):
        obj = self.mutate(FOUND)
        del obj["servers"][0]["url"]
        self.assertInvalid(obj, "$.servers[0]")

    def test_http_server_plain_http(self):
        obj = self.mutate(FOUND)
        obj["servers"][0]["url"] = "http://jmap.example.com/"
        self.assertInvalid(obj, "$.servers[0].url")

    def test_duplicate_auth(self):
        obj = self.mutate(FOUND)
        obj["servers"][1]["auth"] = ["password", "password"]
        self.assertInvalid(obj, "$.servers[1].auth")

    def test_unauthenticated_found_without_confirmation(self):
        obj = self.mutate(PACC_MX_FOUND)
        obj["confirm"]["required"] = False
        self.assertInvalid(obj, "$.integrity.dnssec")

    def test_secure_with_wrong_reason(self):
        obj = self.mutate(FOUND)
        obj["integrity"]["dnssec_reason"] = "unsigned"
        self.assertInvalid(obj, "$.integrity.dnssec_reason")

    def test_negative_elapsed(self):
        obj = self.mutate(FOUND)
        obj["attempts"][0]["elapsed_ms"] = -1
        self.assertInvalid(obj, "$.attempts[0].elapsed_ms")

    def test_mx_bad_name_form(self):
        obj = self.mutate(PACC_MX_FOUND)
        obj["mx"]["name_form"] = "mx-grandparent"
        self.assertInvalid(obj, "$.mx.name_form")


class ValidateCliTest(unittest.TestCase):
    def run_validate(self, *args, stdin=None):
        return subprocess.run([sys.executable, VALIDATE, SCHEMA] + list(args),
                              input=stdin, capture_output=True)

    def test_ok_from_stdin(self):
        p = self.run_validate("-", stdin=json.dumps(FOUND).encode())
        self.assertEqual((p.returncode, p.stdout), (0, b"ok\n"))

    def test_ok_from_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json",
                                         encoding="utf-8") as f:
            json.dump(NOT_FOUND, f, ensure_ascii=False)
            f.flush()
            p = self.run_validate(f.name)
        self.assertEqual((p.returncode, p.stdout), (0, b"ok\n"))

    def test_invalid_prints_path(self):
        obj = copy.deepcopy(FOUND)
        obj["servers"][1]["port"] = 0
        p = self.run_validate(stdin=json.dumps(obj).encode())
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"$.servers[1].port: ", p.stdout)

    def test_unreadable_file(self):
        p = self.run_validate(os.path.join(HERE, "no-such-file.json"))
        self.assertEqual(p.returncode, 2)

    def test_not_json(self):
        p = self.run_validate("-", stdin=b"{not json")
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
