#!/usr/bin/python3
"""The test world's "browser" for OAuth authorization URLs (no JavaScript, no user).

usage: /usr/bin/python3 oauth_browser.py URL [--user U] [--password P] [--resolve HOST:IP]...
                                         [--no-deliver] [--timeout 10] [--quiet]

Fetches URL (the authorization URL a client printed) with a cookie jar and the world's CA
(PACC_CA_FILE), follows redirects, and does what a person in a browser would:

* Glewlwyd (redirect to .../login.html?...&callback_url=...): the login page's own HTTP calls
  (tests/world/README.md, OAuth part): POST /api/auth/ {"username","password"} (session
  cookie), PUT /api/auth/grant/<client_id> {"scope": <requested scopes>} (consent), then the
  callback_url with "&g_continue" appended, which redirects to the client's redirect URI.
* any other authorization server (tests/hostile/fake_as.py): just the redirects.

Finally the redirect to the client's loopback redirect URI (http://127.0.0.1:PORT/...,
http://[::1]:PORT/... or http://localhost:PORT/...) is requested itself, so that the
client's listener receives code and state (--no-deliver: only print it).  Prints that URL
and the listener's answer ("final: HTTP 200 ...") on stdout.

Names are resolved by this tool, not by DNS: auth.oauth.example, jmap.oauth.example and
dav.oauth.example -> PACC_OAUTH_AS_IP, as.liar.example -> PACC_OAUTH_LIAR_IP, plus any
--resolve HOST:IP (TLS SNI, certificate check and Host are the name).  The variables come
from the environment, else from the file named by PACC_WORLD_ENV.  --user/--password default
to PACC_OAUTH_USER/PACC_OAUTH_PASSWORD.

Exit status: 0 the loopback redirect was delivered and answered 2xx/3xx (or printed with
--no-deliver); 1 usage/environment; 2 HTTP/TLS failure or an unexpected page; 3 login or
consent refused; 4 the authorization server redirected to the client with error=...; 5 the
client's listener did not answer or answered >= 400.  Standard library only.
"""
import argparse
import http.client
import http.cookiejar
import json
import os
import socket
import ssl
import sys
import urllib.parse
import urllib.request

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class Fail(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def load_env():
    env = {}
    path = os.environ.get("PACC_WORLD_ENV")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    line = line.split("#", 1)[0].strip()
                    if "=" in line:
                        k, v = line.split("=", 1)
                        env[k.strip()] = v.strip().strip('"').strip("'")
        except OSError as e:
            raise Fail(1, f"cannot read PACC_WORLD_ENV={path}: {e}")
    env.update({k: v for k, v in os.environ.items() if k.startswith("PACC_")})
    return env


class Browser:
    def __init__(self, ca, resolve, timeout, quiet):
        self.ctx = ssl.create_default_context(cafile=ca)
        self.resolve = resolve
        self.timeout = timeout
        self.quiet = quiet
        self.jar = http.cookiejar.CookieJar()

    def say(self, msg):
        if not self.quiet:
            print(f"oauth_browser: {msg}", file=sys.stderr)

    def request(self, method, url, body=None, ctype=None):
        """-> (status, headers, body bytes); no redirect following."""
        u = urllib.parse.urlsplit(url)
        host = (u.hostname or "").lower()
        port = u.port or (443 if u.scheme == "https" else 80)
        path = urllib.parse.urlunsplit(("", "", u.path or "/", u.query, ""))
        if u.scheme == "https":
            ip = self.resolve.get(host)
            if ip is None:
                raise Fail(2, f"no address for {host!r} (known: {', '.join(sorted(self.resolve))}); "
                              f"add --resolve {host}:IP")
            try:
                raw = socket.create_connection((ip, port), timeout=self.timeout)
                sock = self.ctx.wrap_socket(raw, server_hostname=host)
            except (OSError, ssl.SSLError) as e:
                raise Fail(2, f"{host} ({ip}:{port}): {e}")
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            conn.sock = sock
        elif u.scheme == "http" and host in LOOPBACK:
            conn = http.client.HTTPConnection(u.hostname, port, timeout=self.timeout)
        else:
            raise Fail(2, f"refusing to fetch {url!r} (https, or http to the loopback only)")
        req = urllib.request.Request(url, method=method)
        self.jar.add_cookie_header(req)
        headers = {"User-Agent": "pacc-test-world-oauth-browser", "Accept": "*/*"}
        if req.has_header("Cookie"):
            headers["Cookie"] = req.get_header("Cookie")
        data = None
        if body is not None:
            data = json.dumps(body).encode() if ctype == "application/json" else body
            headers["Content-Type"] = ctype
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            rbody = resp.read(1 << 20)
        except (OSError, http.client.HTTPException) as e:
            raise Fail(5 if host in LOOPBACK else 2, f"{method} {url}: {e.__class__.__name__}: {e}")
        finally:
            conn.close()
        self.jar.extract_cookies(resp, req)
        self.say(f"{method} {url[:160]} -> {resp.status}")
        return resp.status, resp.headers, rbody


def excerpt(b):
    t = b.decode("utf-8", "replace").strip().replace("\n", " ")
    return (t[:300] + "...") if len(t) > 300 else (t or "(empty body)")


def is_loopback_redirect(url):
    u = urllib.parse.urlsplit(url)
    return u.scheme == "http" and (u.hostname or "").lower() in LOOPBACK


def glewlwyd_login(b, login_url, user, password):
    """login.html?client_id=..&scope=..&callback_url=.. -> the URL to continue with."""
    u = urllib.parse.urlsplit(login_url)
    q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
    cid, scope, cb = q.get("client_id"), q.get("scope", ""), q.get("callback_url")
    if not cid or not cb:
        raise Fail(2, f"Glewlwyd login page without client_id/callback_url: {login_url}")
    api = f"{u.scheme}://{u.netloc}{u.path.rsplit('/', 1)[0]}/api"
    st, _, body = b.request("POST", api + "/auth/", {"username": user, "password": password},
                            "application/json")
    if st != 200:
        raise Fail(3, f"login as {user!r} refused: HTTP {st} {excerpt(body)}")
    q_scope = urllib.parse.quote(scope, safe="")
    st, _, body = b.request("GET", f"{api}/auth/grant/{urllib.parse.quote(cid, safe='')}/{q_scope}")
    if st == 200:
        b.say(f"consent page: {excerpt(body)}")
    st, _, body = b.request("PUT", f"{api}/auth/grant/{urllib.parse.quote(cid, safe='')}",
                            {"scope": scope}, "application/json")
    if st != 200:
        raise Fail(3, f"consent to {scope!r} for client {cid!r} refused: HTTP {st} {excerpt(body)}")
    return cb + ("&" if "?" in cb else "?") + "g_continue"


def run(args):
    env = load_env()
    ca = env.get("PACC_CA_FILE")
    if not ca:
        raise Fail(1, "PACC_CA_FILE is not set (set it, or PACC_WORLD_ENV=DIR/env)")
    resolve = {}
    for name, var in (("auth.oauth.example", "PACC_OAUTH_AS_IP"),
                      ("jmap.oauth.example", "PACC_OAUTH_AS_IP"),
                      ("dav.oauth.example", "PACC_OAUTH_AS_IP"),
                      ("as.liar.example", "PACC_OAUTH_LIAR_IP")):
        if env.get(var):
            resolve[name] = env[var]
    for r in args.resolve:
        h, sep, ip = r.partition(":")
        if not sep or not h or not ip:
            raise Fail(1, f"--resolve wants HOST:IP, got {r!r}")
        resolve[h.lower()] = ip
    user = args.user or env.get("PACC_OAUTH_USER")
    password = args.password if args.password is not None else env.get("PACC_OAUTH_PASSWORD")
    b = Browser(ca, resolve, args.timeout, args.quiet)

    url, logged_in = args.url, False
    for _ in range(20):
        if is_loopback_redirect(url):
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
            print(f"redirect: {url}")
            st = None
            if not args.no_deliver:
                st, _, body = b.request("GET", url)
                print(f"final: HTTP {st} {excerpt(body)}")
            if "error" in q:
                raise Fail(4, f"the authorization server redirected with error={q['error'][0]}"
                              f" {q.get('error_description', [''])[0]}")
            if st is not None and st >= 400:
                raise Fail(5, f"the client's listener answered HTTP {st}")
            return 0
        path = urllib.parse.urlsplit(url).path
        if path.endswith("/login.html"):
            if logged_in:
                raise Fail(3, f"sent to the login page again after login and consent: {url}")
            if not user or password is None:
                raise Fail(1, "Glewlwyd wants a login: give --user/--password or PACC_OAUTH_USER/PACC_OAUTH_PASSWORD")
            url, logged_in = glewlwyd_login(b, url, user, password), True
            continue
        st, hdrs, body = b.request("GET", url)
        if st in (301, 302, 303, 307, 308):
            loc = hdrs.get("Location")
            if not loc:
                raise Fail(2, f"HTTP {st} without Location from {url}")
            url = urllib.parse.urljoin(url, loc)
            continue
        raise Fail(2, f"GET {url} answered HTTP {st} instead of a redirect: {excerpt(body)}")
    raise Fail(2, "more than 20 redirects")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--resolve", action="append", default=[])
    ap.add_argument("--no-deliver", action="store_true")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    try:
        return run(args)
    except Fail as e:
        print(f"oauth_browser: error: {e}", file=sys.stderr)
        return e.code


if __name__ == "__main__":
    sys.exit(main())
