#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`pacc publish` round trips in the test world (tests/world/parts/publish.sh):
the provider writes a document, runs `pacc publish --domain ZONE FILE`, loads
the printed zone line into Knot (knotc zone-begin/zone-set/zone-commit on an
unsigned zone), serves the file as it is, and `pacc discover` verifies it;
changing the file afterwards gives digest-mismatch.  The nginx snippet that
`pacc publish` prints is run in a scratch nginx and must serve the file
byte for byte as application/json over TLS 1.3 without redirects.
usage: test_publish_world.py PACC_BINARY   (PACC_WORLD_ENV=DIR/env)"""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import test_discover as td  # noqa: E402  (load_env, discover, attempt)

PACC = None
W = {}
WK = "/.well-known/user-agent-configuration.json"


def doc_text(zone, name):
    return json.dumps({
        "protocols": {
            "imap": {"host": "imap." + zone},
            "submit": {"host": "smtp." + zone},
            "jmap": {"url": "https://jmap.%s/session" % zone},
        },
        "authentication": {"password": True},
        "info": {"provider": {"name": name, "shortName": "Pub"}},
    }, indent=2) + "\n"


def knotc(*args, check=True):
    p = subprocess.run(["knotc", "-c", W["PACC_KNOT_CONF"], *args],
                       capture_output=True, timeout=30)
    if check and p.returncode != 0:
        raise AssertionError("knotc %s: %s%s" % (" ".join(args), p.stdout.decode(),
                                                 p.stderr.decode()))
    return p


def load_zone_line(zone, line):
    """One zone-file line (owner ttl IN TXT "rdata") into the live zone,
    replacing the name's TXT RRset."""
    owner, ttl, cls, rtype, rdata = line.split(None, 4)
    assert cls == "IN" and rtype == "TXT", line
    knotc("zone-abort", zone, check=False)  # a transaction left by a failed run
    knotc("zone-begin", zone)
    knotc("zone-unset", zone, owner, "TXT", check=False)  # absent on a first run
    knotc("zone-set", zone, owner, ttl, rtype, rdata)
    knotc("zone-commit", zone)
    # the authoritative server answers with it before anyone asks Unbound
    deadline = time.monotonic() + 10
    want = rdata.strip('"')
    while time.monotonic() < deadline:
        p = subprocess.run(["dig", "+short", "@" + W["PACC_AUTH_DNS"], owner, "TXT"],
                           capture_output=True, timeout=10)
        if want in p.stdout.decode().replace('" "', ""):
            return
        time.sleep(0.1)
    raise AssertionError("Knot does not serve %s" % line)


def publish(zone, body):
    path = os.path.join(W["PACC_WWW"], "ua-auto-config." + zone, WK.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)
    p = subprocess.run([PACC, "publish", "--domain", zone, path], capture_output=True,
                       timeout=30)
    if p.returncode != 0:
        raise AssertionError("pacc publish: %s" % p.stderr.decode())
    lines = [l for l in p.stdout.decode().splitlines() if l and not l.startswith(";")]
    assert len(lines) == 1, lines
    load_zone_line(zone, lines[0])
    return path, p.stdout.decode()


def https_get(ip, host, path, port=443):
    ctx = ssl.create_default_context(cafile=W["PACC_CA_FILE"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    raw = socket.create_connection((ip, port), timeout=10)
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
    conn.sock = ctx.wrap_socket(raw, server_hostname=host)
    conn.request("GET", path, headers={"Accept-Encoding": "identity"})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, r.getheader("Content-Type"), body


class RoundTrip(unittest.TestCase):
    def test_publish_then_discover_verifies(self):
        zone = "publish.example"
        path, _ = publish(zone, doc_text(zone, "Publish Example"))
        with open(path, "rb") as f:
            body = f.read()
        st, ctype, served = https_get(W["PACC_WEB_IP"], "ua-auto-config." + zone, WK)
        self.assertEqual((st, served), (200, body))
        self.assertTrue(ctype.startswith("application/json"), ctype)
        rc, o, _, err = td.discover("alice@" + zone, "--mechanisms", "pacc",
                                    timeout=5.0)
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["status"], "found")
        self.assertEqual(o["mechanism"], "pacc")
        self.assertEqual(o["integrity"]["digest"], "verified")
        self.assertEqual(o["provider"]["name"], "Publish Example")
        self.assertEqual(td.attempt(o, "pacc")["outcome"], "ok")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), body, "pacc publish never rewrites FILE")

    def test_changed_after_publishing_is_a_mismatch(self):
        zone = "publishstale.example"
        # names unique to this run: a record cached by Unbound from an
        # earlier run (on the same world) can never match by chance
        run = "%x" % int(time.time() * 1000)
        path, _ = publish(zone, doc_text(zone, "Stale " + run))
        # the provider edits the file but forgets to publish the record again
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc_text(zone, "Stale %s, edited" % run))
        rc, o, _, err = td.discover("alice@" + zone, "--mechanisms", "pacc",
                                    timeout=5.0)
        self.assertEqual(rc, 3, err)
        self.assertEqual(o["status"], "integrity-failure")
        self.assertEqual(o["integrity"]["digest"], "mismatch")
        a = td.attempt(o, "pacc")
        self.assertEqual((a["outcome"], a["code"]), ("failed", "digest-mismatch"))
        self.assertEqual(o["servers"], [])
        # publishing again repairs it
        publish(zone, doc_text(zone, "Stale %s, edited" % run))
        time.sleep(1.5)  # Unbound may hold the old TXT (the world caps TTLs)
        deadline = time.monotonic() + 10
        while True:
            rc, o, _, err = td.discover("alice@" + zone, "--mechanisms", "pacc",
                                        timeout=5.0)
            if rc == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        self.assertEqual(rc, 0, err)
        self.assertEqual(o["integrity"]["digest"], "verified")

    def test_nginx_snippet_serves_the_file(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.access(nginx, os.X_OK) or os.geteuid() != 0:
            self.skipTest("needs nginx and root")
        zone = "publish.example"
        ip = W["PACC_WORLD_PREFIX"] + ".10.1"  # this part's own address plan
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "doc.json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(doc_text(zone, "Snippet Example"))
            p = subprocess.run([PACC, "publish", "--json", "--domain", zone, path],
                               capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr.decode())
            snippet = json.loads(p.stdout)["nginx"]
            self.assertIn("alias %s;" % os.path.realpath(path), snippet)
            self.assertNotIn("return 30", snippet)
            host = "ua-auto-config." + zone
            snippet = (snippet
                       .replace("listen [::]:443 ssl;\n", "")
                       .replace("listen 443 ssl;", "listen %s:443 ssl;" % ip)
                       .replace("/etc/ssl/certs/%s.pem" % host,
                                os.path.join(W["PACC_WORLD"], "ca", "web.crt"))
                       .replace("/etc/ssl/private/%s.key" % host,
                                os.path.join(W["PACC_WORLD"], "ca", "web.key")))
            conf = os.path.join(tmp, "nginx.conf")
            with open(conf, "w") as f:
                f.write("user root;\nworker_processes 1;\npid %s/nginx.pid;\n"
                        "error_log %s/error.log;\nevents { worker_connections 16; }\n"
                        "http {\n access_log off;\n client_body_temp_path %s/b;\n"
                        " proxy_temp_path %s/p;\n fastcgi_temp_path %s/f;\n"
                        " uwsgi_temp_path %s/u;\n scgi_temp_path %s/s;\n%s}\n"
                        % ((tmp,) * 7 + (snippet,)))
            t = subprocess.run([nginx, "-t", "-p", tmp, "-c", conf], capture_output=True)
            self.assertEqual(t.returncode, 0, t.stderr.decode())
            srv = subprocess.run([nginx, "-p", tmp, "-c", conf], capture_output=True)
            self.assertEqual(srv.returncode, 0, srv.stderr.decode())
            try:
                deadline = time.monotonic() + 10
                while True:
                    try:
                        st, ctype, body = https_get(ip, host, WK)
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                with open(path, "rb") as f:
                    self.assertEqual(body, f.read())
                self.assertEqual(st, 200)
                self.assertEqual(ctype, "application/json")
                self.assertEqual(https_get(ip, host, "/")[0], 404)
            finally:
                with open(os.path.join(tmp, "nginx.pid")) as f:
                    pid = int(f.read().strip())
                os.kill(pid, 15)
                for _ in range(100):
                    try:
                        os.kill(pid, 0)
                    except ProcessLookupError:
                        break
                    time.sleep(0.05)


if __name__ == "__main__":
    PACC = os.path.abspath(sys.argv.pop(1))
    td.PACC = PACC
    envf = os.environ.get("PACC_WORLD_ENV")
    if not envf or not os.path.exists(envf):
        print("PACC_WORLD_ENV is not set: no test world, skipping")
        sys.exit(77)
    W.update(td.load_env(envf))
    td.WORLD.update(W)
    unittest.main(verbosity=2)
