#!/usr/bin/python3
"""SRV and autoconfig mechanisms, and how the engine ranks them, against
the real test world.  usage: test_mechanisms_a.py PACC_BINARY"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_discover as td  # noqa: E402  (shared harness)

attempt = td.attempt
protocols = td.protocols


def discover(address, *extra, timeout=3.0):
    return td.discover(address, "--ispdb-url", "", *extra, timeout=timeout)


def servers_of(o, proto):
    return [s for s in o["servers"] if s["protocol"] == proto]


class Srv(unittest.TestCase):
    def test_full_srv(self):
        rc, o, _, err = discover("alice@srv.example", "--mechanisms", "srv")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], "srv")
        self.assertEqual(o["integrity"]["dnssec"], "secure")
        self.assertEqual(o["integrity"]["digest"], "n/a")
        self.assertTrue(o["confirm"]["required"])  # only PACC authenticates
        protos = protocols(o)
        for p in ("jmap", "imap", "pop3", "smtp", "caldav", "carddav",
                  "managesieve"):
            self.assertIn(p, protos)
        # RFC 6186 §3.4: IMAP ranked above POP3 by priority
        self.assertLess(protos.index("imap"), protos.index("pop3"))
        imap = servers_of(o, "imap")
        # implicit TLS before STARTTLS at equal priority (RFC 8314)
        self.assertEqual(imap[0]["tls"], "implicit")
        self.assertEqual(imap[0]["port"], 993)
        self.assertEqual(imap[0]["verify_name_basis"], "dnssec")
        smtp = servers_of(o, "smtp")
        self.assertEqual((smtp[0]["port"], smtp[0]["tls"]), (465, "implicit"))
        self.assertIn((587, "starttls"), [(s["port"], s["tls"]) for s in smtp])
        cal = servers_of(o, "caldav")[0]
        self.assertTrue(cal["url"].endswith("/cal/"), cal)  # TXT path=
        card = servers_of(o, "carddav")[0]
        self.assertTrue(card["url"].endswith("/.well-known/carddav"), card)
        sieve = servers_of(o, "managesieve")[0]
        self.assertEqual((sieve["port"], sieve["tls"]), (4190, "starttls"))

    def test_dot_target_not_offered(self):
        rc, o, _, err = discover("alice@srvdot.example", "--mechanisms",
                                 "srv")
        self.assertEqual(rc, 0, err)
        imap = servers_of(o, "imap")
        self.assertTrue(imap)
        self.assertTrue(all(s["tls"] == "starttls" for s in imap))
        self.assertEqual(servers_of(o, "pop3"), [])
        self.assertIn("not offered", attempt(o, "srv")["detail"])

    def test_weights(self):
        seen = set()
        for _ in range(12):
            rc, o, _, err = discover("alice@srvweight.example",
                                     "--mechanisms", "srv")
            self.assertEqual(rc, 0, err)
            imap = servers_of(o, "imap")
            self.assertEqual(len(imap), 4)
            seen.add(imap[0]["host"])
            # the worse priority is always last
            self.assertEqual(imap[-1]["host"], "worse.srvweight.example")
        # weights 10/90 (and 0): the heavy one must show up first
        self.assertIn("heavy.srvweight.example", seen)

    def test_host_outside_domain_needs_confirmation(self):
        rc, o, _, err = discover("alice@srvoutside.example", "--mechanisms",
                                 "srv")
        self.assertEqual(rc, 0, err)
        self.assertIn("hoster.example", o["confirm"]["domains"])
        self.assertTrue(o["confirm"]["required"])

    def test_insecure_srv_basis(self):
        rc, o, _, err = discover("alice@srvinsecure.example",
                                 "--mechanisms", "srv")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["integrity"]["dnssec"], "insecure")
        self.assertEqual(servers_of(o, "imap")[0]["verify_name_basis"],
                         "confirmation")


class Autoconfig(unittest.TestCase):
    def test_autoconfig_host(self):
        rc, o, _, err = discover("alice@ac.example", "--mechanisms",
                                 "autoconfig")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["mechanism"], "autoconfig")
        self.assertTrue(o["source"].startswith("https://autoconfig.ac.example/"))
        self.assertIn("imap", protocols(o))
        self.assertIn("pop3", protocols(o))
        self.assertIn("smtp", protocols(o))
        # %EMAILLOCALPART% replaced
        self.assertIn("alice", [s.get("username") for s in o["servers"]])
        self.assertNotIn("insecure", o)

    def test_well_known(self):
        rc, o, _, err = discover("alice@acwk.example", "--mechanisms",
                                 "autoconfig")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["source"], "https://acwk.example/.well-known/"
                         "autoconfig/mail/config-v1.1.xml")

    def test_plain_http_refused_by_default(self):
        rc, o, _, err = discover("alice@achttp.example", "--mechanisms",
                                 "autoconfig")
        self.assertEqual(rc, 1, err)
        self.assertEqual(o["status"], "not-found")
        self.assertIn("--insecure-http", attempt(o, "autoconfig")["detail"])

    def test_plain_http_with_option_flagged(self):
        rc, o, _, err = discover("alice@achttp.example", "--mechanisms",
                                 "autoconfig", "--insecure-http")
        self.assertEqual(rc, 0, err)
        self.assertTrue(o["insecure"])
        self.assertTrue(o["source"].startswith("http://"))
        self.assertTrue(o["confirm"]["required"])


class Ranking(unittest.TestCase):
    def test_pacc_wins_over_srv(self):
        rc, o, _, err = discover("alice@paccwins.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["mechanism"], "pacc")
        mechs = [c["mechanism"] for c in o["candidates"]]
        # SRV finished too (DNS is fast) and is kept, ranked after PACC
        self.assertEqual(mechs[0], "pacc")
        if "srv" in mechs:
            c = o["candidates"][mechs.index("srv")]
            self.assertTrue(c["usable"])

    def test_tampered_pacc_does_not_fall_back_to_srv(self):
        rc, o, _, err = discover("bob@mismatch.example")
        self.assertEqual(rc, 3, err)
        self.assertEqual(o["status"], "integrity-failure")
        self.assertEqual(o["servers"], [])
        for c in o["candidates"]:
            self.assertFalse(c["usable"])

    def test_srv_answer_when_no_pacc(self):
        rc, o, _, err = discover("alice@srv.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["mechanism"], "srv")
        self.assertEqual(attempt(o, "pacc")["outcome"], "absent")


class Guess(unittest.TestCase):
    def test_guess_full_tls(self):
        rc, o, _, err = discover("alice@guess.example", timeout=4)
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["mechanism"], "guess")
        imap = servers_of(o, "imap")
        self.assertEqual((imap[0]["host"], imap[0]["port"], imap[0]["tls"]),
                         ("imap.guess.example", 993, "implicit"))
        self.assertTrue(o["confirm"]["required"])
        for s in o["servers"]:
            self.assertIn(s["tls"], ("implicit", "starttls"))
            self.assertEqual(s["verify_name_basis"], "confirmation")

    def test_guess_finds_starttls_only_server(self):
        rc, o, _, err = discover("alice@guessstarttls.example", timeout=4)
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["mechanism"], "guess")
        imap = servers_of(o, "imap")
        self.assertTrue(imap)
        self.assertTrue(all(s["tls"] == "starttls" for s in o["servers"]))
        self.assertEqual(imap[0]["port"], 143)

    def test_guess_not_started_when_better_answer(self):
        rc, o, _, err = discover("alice@srv.example", timeout=4)
        self.assertEqual(rc, 0, err)
        self.assertEqual(attempt(o, "guess")["outcome"], "skipped")
        self.assertEqual(attempt(o, "guess")["code"], "not-needed")

    def test_guess_nothing(self):
        rc, o, _, err = discover("alice@absent.example", timeout=4)
        self.assertEqual(rc, 1, err)
        self.assertEqual(attempt(o, "guess")["outcome"], "absent")


if __name__ == "__main__":
    td.PACC = os.path.abspath(sys.argv.pop(1))
    env_file = os.environ.get("PACC_WORLD_ENV")
    if not env_file or not os.path.exists(env_file):
        print("PACC_WORLD_ENV not set", file=sys.stderr)
        sys.exit(77)
    td.WORLD = td.load_env(env_file)
    unittest.main(verbosity=2)
