#!/usr/bin/python3
"""pacc(1) matches `pacc --help`; every attempt code the library can emit
is documented in pacc(1).  usage: test_docs.py PACC_BINARY"""
import os
import re
import subprocess
import sys
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACC = None


def man_text():
    with open(os.path.join(TOP, "doc", "pacc.1"), encoding="utf-8") as f:
        return f.read().replace("\\-", "-")


class Docs(unittest.TestCase):
    def test_every_help_option_in_man(self):
        out = subprocess.run([PACC, "--help"], capture_output=True,
                             check=True).stdout.decode()
        man = man_text()
        opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])\b", out))
        self.assertGreater(len(opts), 10)
        for o in sorted(opts):
            self.assertIn(o, man, "%s is in --help but not in pacc(1)" % o)

    def test_every_man_option_in_help(self):
        out = subprocess.run([PACC, "--help"], capture_output=True,
                             check=True).stdout.decode()
        man = man_text()
        section = man.split(".SH OPTIONS", 1)[1].split(".SH ", 1)[0]
        for o in set(re.findall(r"^\.B[IR]? (--[a-z][a-z0-9-]*)", section,
                                re.M)):
            self.assertIn(o, out, "%s is in pacc(1) but not in --help" % o)

    def test_attempt_codes_documented(self):
        man = man_text()
        codes = set()
        src = os.path.join(TOP, "src", "lib")
        for name in os.listdir(src):
            if not name.endswith(".c"):
                continue
            with open(os.path.join(src, name), encoding="utf-8") as f:
                text = f.read()
            # codes handed to pacc__mech_report() or set as fetch codes
            codes.update(re.findall(
                r'pacc__mech_report\([^,]+,\s*[A-Z_]+,\s*"([a-z0-9-]+)"',
                text))
            codes.update(re.findall(r'return "([a-z]+(?:-[a-z0-9]+)+)";',
                                    text))
            codes.update(re.findall(r'r\.code = "([a-z0-9-]+)"', text))
            codes.update(re.findall(r'->(?:mx_|policy_)?code = "([a-z0-9-]+)"',
                                    text))
        self.assertIn("digest-mismatch", codes)
        for c in sorted(codes):
            self.assertTrue(re.search(r"\.B %s\n" % re.escape(c), man),
                            "attempt code %s is not documented in pacc(1)" % c)

    def test_check_ids_documented(self):
        """Every check id `pacc check` can emit (the table in
        src/lib/check_int.h) has its own entry in pacc(1)."""
        man = man_text()
        with open(os.path.join(TOP, "src", "lib", "check_int.h"),
                  encoding="utf-8") as f:
            ids = re.findall(r'XX\([A-Z0-9_]+, "[a-z-]+", "([a-z0-9.-]+)"\)',
                             f.read())
        self.assertIn("pacc.digest", ids)
        for cid in ids:
            self.assertTrue(re.search(r"^\.B %s$" % re.escape(cid), man,
                                      re.M),
                            "check id %s is not documented in pacc(1)" % cid)

    def test_version(self):
        out = subprocess.run([PACC, "--version"], capture_output=True,
                             check=True).stdout.decode()
        self.assertRegex(out, r"^pacc \d+\.\d+\.\d+\n$")


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
