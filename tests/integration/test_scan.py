#!/usr/bin/python3
"""`pacc scan` against the synthetic domains of the test world
(tests/world/parts/scan.sh: PACC_SCAN_LIST, PACC_SCAN_EXPECT).

Run by meson: test_scan.py PACC_BINARY, with $PACC_WORLD_ENV naming the
running world's env file.  Every output line is validated against
doc/scan.schema.json (which refers to doc/discover.schema.json).
"""
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from test_discover import load_env  # noqa: E402

PACC = None
WORLD = {}
TIMEOUT = 5.0
VALIDATOR = None
SUMMARY_VALIDATOR = None


def validators():
    """(line validator, summary validator).  A line must satisfy
    doc/discover.schema.json and doc/scan.schema.json without its $ref to
    it (no `referencing` module needed: Debian 12's jsonschema is 4.10)."""
    global VALIDATOR, SUMMARY_VALIDATOR
    if VALIDATOR is None:
        import jsonschema
        with open(os.path.join(TOP, "doc", "discover.schema.json")) as f:
            discover = json.load(f)
        with open(os.path.join(TOP, "doc", "scan.schema.json")) as f:
            scan = json.load(f)
        assert scan["allOf"] == [{"$ref": "discover.schema.json"}]
        own = {k: v for k, v in scan.items() if k != "allOf"}
        d = jsonschema.Draft202012Validator(discover)
        o = jsonschema.Draft202012Validator(own)

        class Both:
            @staticmethod
            def validate(obj):
                d.validate(obj)
                o.validate(obj)
        VALIDATOR = Both
        summary = {k: v for k, v in scan.items()
                   if k in ("$schema", "$defs")}
        summary["$ref"] = "#/$defs/summary"
        SUMMARY_VALIDATOR = jsonschema.Draft202012Validator(summary)
    return VALIDATOR, SUMMARY_VALIDATOR


def common():
    return ["--resolver", WORLD["PACC_RESOLVER"], "--trust-anchor",
            WORLD["PACC_TRUST_ANCHOR"], "--ca-file", WORLD["PACC_CA_FILE"],
            "--timeout", str(TIMEOUT), "--ispdb-url", ""]


def scan(*args, stdin=None, **kw):
    cmd = [PACC, "scan", *common(), *args]
    return subprocess.run(cmd, capture_output=True, timeout=300, input=stdin,
                          **kw)


def lines_of(text):
    v, _ = validators()
    out = []
    for line in text.splitlines():
        o = json.loads(line)
        v.validate(o)
        out.append(o)
    return out


def expected():
    exp = {}
    with open(WORLD["PACC_SCAN_EXPECT"]) as f:
        for line in f:
            d, m = line.split()
            exp[d] = None if m == "none" else m
    return exp


class Scan(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pacc-scan-test.")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def check_complete(self, objs):
        exp = expected()
        inputs = [o["input"] for o in objs]
        self.assertEqual(len(inputs), len(set(inputs)), "duplicate lines")
        self.assertEqual(set(inputs), set(exp))
        for o in objs:
            m = exp[o["input"]]
            self.assertEqual(o["mechanism"], m, o["input"])
            self.assertEqual(o["address"], "postmaster@" + o["input"])
            if m is None:
                self.assertEqual(o["status"], "not-found", o["input"])
            else:
                self.assertEqual(o["status"], "found", o["input"])
            if m == "pacc":
                self.assertEqual(o["integrity"]["digest"], "verified")
                self.assertEqual(o["integrity"]["dnssec"], "secure")

    def test_list_with_output_file(self):
        out = self.path("out.jsonl")
        p = scan("-j", "8", "-o", out, "--json", WORLD["PACC_SCAN_LIST"])
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        with open(out, encoding="utf-8") as f:
            objs = lines_of(f.read())
        self.check_complete(objs)
        # with -o: the summary (--json) on stdout, nothing else there
        s = json.loads(p.stdout)
        validators()[1].validate(s)
        exp = expected()
        n = len(exp)
        want = {m: sum(1 for v in exp.values() if v == m)
                for m in ("pacc", "srv", "autoconfig")}
        self.assertEqual(s["inputs"], n)
        self.assertEqual(s["scanned"], n)
        self.assertEqual(s["skipped"], 0)
        self.assertEqual(s["found"], sum(want.values()))
        self.assertEqual(s["not_found"], n - sum(want.values()))
        self.assertEqual(s["error"], 0)
        self.assertEqual(s["digest_verified"], want["pacc"])
        # pacc and srv answers are DNSSEC-secure; autoconfig has no DNSSEC
        self.assertEqual(s["dnssec_secure"], want["pacc"] + want["srv"])
        for m, k in want.items():
            self.assertEqual(s["mechanisms"][m]["answered"], k, m)
            self.assertEqual(s["mechanisms"][m]["published"], k, m)
        # stderr is not a terminal: no progress line
        self.assertNotIn(b"\r", p.stderr)

    def test_stdout_and_text_summary(self):
        p = scan("-j", "4", WORLD["PACC_SCAN_LIST"])
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.check_complete(lines_of(p.stdout.decode()))
        err = p.stderr.decode()
        self.assertNotIn("\r", err)
        n = len(expected())
        self.assertRegex(err, r"scan: %d inputs, 0 skipped" % n)
        self.assertRegex(err, r"\n  pacc +%d +%d\n" % ((n + 3) // 4,
                                                      (n + 3) // 4))
        self.assertRegex(err, r"\n  not-found +%d\n" % (n // 4))

    def test_stdin(self):
        with open(WORLD["PACC_SCAN_LIST"], "rb") as f:
            data = f.read()
        p = scan("-j", "3", "-", stdin=data)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.check_complete(lines_of(p.stdout.decode()))

    def test_resume_after_truncation(self):
        full = self.path("full.jsonl")
        p = scan("-j", "8", "-o", full, WORLD["PACC_SCAN_LIST"])
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        with open(full, "rb") as f:
            lines = f.read().splitlines(keepends=True)
        half = len(lines) // 2
        out = self.path("out.jsonl")
        # half the lines, then a line torn in the middle (a killed run)
        with open(out, "wb") as f:
            f.writelines(lines[:half])
            f.write(lines[half][:len(lines[half]) // 2])
        p = scan("-j", "8", "-o", out, "--json", WORLD["PACC_SCAN_LIST"])
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        s = json.loads(p.stdout)
        self.assertEqual(s["skipped"], half)
        self.assertEqual(s["scanned"], len(lines) - half)
        with open(out, encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.endswith("\n"))
        self.check_complete(lines_of(text))
        # a third run has nothing left to do
        p = scan("-o", out, "--json", WORLD["PACC_SCAN_LIST"])
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        s = json.loads(p.stdout)
        self.assertEqual((s["skipped"], s["scanned"]), (len(lines), 0))
        with open(out, encoding="utf-8") as f:
            self.assertEqual(f.read(), text)

    def test_resume_after_kill(self):
        out = self.path("out.jsonl")
        cmd = [PACC, "scan", *common(), "-j", "2", "-o", out,
               WORLD["PACC_SCAN_LIST"]]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if os.path.exists(out) and os.path.getsize(out) > 0:
                break
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        p = scan("-j", "8", "-o", out, WORLD["PACC_SCAN_LIST"])
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        with open(out, encoding="utf-8") as f:
            self.check_complete(lines_of(f.read()))

    def test_bad_lines(self):
        good = "d00000.scan.example"
        data = b"".join([
            b"# a comment\n", b"\n", b"   \t\n",
            b"  " + good.encode() + b"  \r\n",
            b"alice@" + good.encode() + b"\n",
            b"bad@@x\n",
            b"two words.example\n",
            b"x" * 2000 + b"\n",
            b"caf\xe9.example\n",
            b"nul\x00.example\n",
            b"last-line-without-newline.invalid"])
        inp = self.path("in.txt")
        with open(inp, "wb") as f:
            f.write(data)
        out = self.path("out.jsonl")
        p = scan("-j", "4", "-o", out, "--json", inp)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        with open(out, encoding="utf-8") as f:
            objs = {o["input"]: o for o in lines_of(f.read())}
        self.assertEqual(len(objs), 8, sorted(objs))
        self.assertEqual(objs[good]["status"], "found")
        self.assertEqual(objs["alice@" + good]["address"], "alice@" + good)
        self.assertEqual(objs["alice@" + good]["mechanism"], "pacc")

        def code(key):
            o = objs[key]
            self.assertEqual(o["status"], "error", key)
            return o["error"]["code"]
        self.assertEqual(code("bad@@x"), "bad-address")
        self.assertEqual(code("two words.example"), "bad-address")
        self.assertEqual(code("x" * 1024), "line-too-long")
        self.assertEqual(code("caf\ufffd.example"), "bad-encoding")
        self.assertEqual(code("nul\u0000.example"), "bad-encoding")
        self.assertEqual(objs["last-line-without-newline.invalid"]["status"],
                         "not-found")
        s = json.loads(p.stdout)
        self.assertEqual((s["inputs"], s["error"], s["bad_input"]),
                         (8, 5, 5))
        # resuming skips the bad lines too: nothing is written twice
        p = scan("-o", out, "--json", inp)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        s = json.loads(p.stdout)
        self.assertEqual((s["skipped"], s["scanned"]), (8, 0))

    def test_progress_on_terminal(self):
        master, slave = pty.openpty()
        try:
            p = subprocess.run(
                [PACC, "scan", *common(), "-j", "4", "-o",
                 self.path("out.jsonl"), WORLD["PACC_SCAN_LIST"]],
                stdout=subprocess.DEVNULL, stderr=slave, timeout=300)
            os.close(slave)
            slave = -1
            err = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                err += chunk
        finally:
            if slave >= 0:
                os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn(b"\r", err)

    def test_usage_and_environment_errors(self):
        self.assertEqual(scan().returncode, 2)
        self.assertEqual(scan(self.path("missing")).returncode, 2)
        for j in ("0", "abc", "5000", ""):
            p = scan("-j", j, WORLD["PACC_SCAN_LIST"])
            self.assertEqual(p.returncode, 2, j)
        p = scan("-o", self.path("no/such/dir/out"), WORLD["PACC_SCAN_LIST"])
        self.assertEqual(p.returncode, 4, p.stderr.decode())
        # the resolver does not answer: every discovery fails -> 4
        inp = self.path("one.txt")
        with open(inp, "w") as f:
            f.write("d00000.scan.example\n")
        p = subprocess.run([PACC, "scan", "--resolver", "127.0.0.9@5399",
                            "--trust-anchor", WORLD["PACC_TRUST_ANCHOR"],
                            "--timeout", "2", inp], capture_output=True,
                           timeout=60)
        self.assertEqual(p.returncode, 4, p.stderr.decode())
        o = lines_of(p.stdout.decode())[0]
        self.assertEqual(o["status"], "error")


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    WORLD.update(load_env(os.environ["PACC_WORLD_ENV"]))
    unittest.main(verbosity=2)
