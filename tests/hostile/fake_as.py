#!/usr/bin/python3
"""Lying OAuth 2.0 authorization server (one process, many issuers), for the test world.

usage: /usr/bin/python3 fake_as.py ADDR PORT --cert FILE --key FILE [--host as.liar.example]
                                   [--expires-in 5] [--log FILE] [--pidfile FILE]

Every issuer is https://HOST/<mode>; the mode (first path segment) decides the lie:

  good               everything correct: RFC 8414 metadata (issuer exact, S256, registration,
                     authorization_response_iss_parameter_supported), open RFC 7591
                     registration of public clients, an authorization endpoint that at once
                     302-redirects to the redirect_uri with code, state and iss (no login page),
                     a token endpoint checking the PKCE S256 verifier, short-lived Bearer tokens
                     (--expires-in, default 5 s) with a refresh token, and the refresh grant
  issuer-mismatch    metadata "issuer" is the issuer with a trailing slash
  issuer-host        metadata "issuer" names another host (as2.liar.example)
  no-s256            code_challenge_methods_supported ["plain"] (S256 requests are refused)
  wrong-state        the redirect carries another state
  iss-mismatch       the redirect carries the iss of another issuer
  reg-refused        registration answers 400 {"error":"invalid_client_metadata"}
  redirect-metadata  both metadata URLs answer 302 to the good mode's metadata
  no-registration    metadata without registration_endpoint (POST /register is 404)
  any other mode     404 everywhere

Paths (for issuer https://HOST/M):
  GET  /.well-known/oauth-authorization-server/M   RFC 8414 metadata (path-inserted form)
  GET  /M/.well-known/openid-configuration         the same document (OIDC discovery form)
  GET  /M/.well-known/oauth-authorization-server   404 (wrong form for an issuer with a path)
  POST /M/register   RFC 7591 (JSON); public clients only (token_endpoint_auth_method none)
  GET  /M/authorize  response_type=code, client_id, redirect_uri (registered; for loopback
                     http://127.0.0.1 / [::1] redirects the port may differ, RFC 8252 7.3),
                     state, code_challenge + code_challenge_method=S256 required; errors are
                     400 text/plain (no redirect)
  POST /M/token      authorization_code (+ code_verifier) and refresh_token grants; errors
                     400 {"error": ...} as RFC 6749 5.2 says
  POST /M/introspect RFC 7662 for the world's introspection door (username alice@M.liar.example)
  GET  /M/jmap/session  a JMAP session object for "Authorization: Bearer <valid token>",
                     otherwise 401 with a Bearer challenge (error="invalid_token" if expired)

Access tokens look like liar.<mode>.<random> (the door routes them here). Every request is
logged as one line (--log FILE, else stdout): mode, method, path, outcome. Exits on SIGTERM or
SIGINT (removes its pid file). Standard library only.
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

MODES = ("good", "issuer-mismatch", "issuer-host", "no-s256", "wrong-state", "iss-mismatch",
         "reg-refused", "redirect-metadata", "no-registration")
MAX_BODY = 64 * 1024
TIMEOUT = 10.0
SCOPES = ["urn:ietf:params:oauth:scope:mail", "urn:ietf:params:oauth:scope:calendars",
          "urn:ietf:params:oauth:scope:contacts", "offline_access"]


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def loopback_match(registered: str, got: str) -> bool:
    """RFC 8252 7.3: for http loopback redirect URIs any port matches."""
    if registered == got:
        return True
    r, g = urlsplit(registered), urlsplit(got)
    if r.scheme != "http" or g.scheme != "http":
        return False
    if r.hostname not in ("127.0.0.1", "::1") or r.hostname != g.hostname:
        return False
    return (r.path, r.query) == (g.path, g.query)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.clients = {}   # client_id -> {"redirect_uris": [...], "mode": m}
        self.codes = {}     # code -> dict
        self.access = {}    # token -> {"exp": t, "scope": s, "client_id": c, "mode": m}
        self.refresh = {}   # token -> {"scope": s, "client_id": c, "mode": m}


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-as"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = TIMEOUT

    def setup(self):
        self.request.settimeout(TIMEOUT)
        self.request.do_handshake()
        super().setup()

    def handle(self):
        try:
            super().handle()
        except (OSError, ssl.SSLError):
            pass

    def log_message(self, fmt, *args):
        pass

    def log(self, mode, outcome):
        self.server.log(f"{self.client_address[0]} mode={mode or '-'} {self.command} "
                        f"{self.path[:300]} -> {outcome}")

    def send(self, code, body=b"", ctype="application/json", extra=()):
        if isinstance(body, (dict, list)):
            body = (json.dumps(body, indent=2) + "\n").encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # ---------------------------------------------------------------- helpers
    def issuer(self, mode):
        return f"https://{self.server.host}/{mode}"

    def metadata(self, mode):
        iss = self.issuer(mode)
        md = {
            "issuer": iss,
            "authorization_endpoint": iss + "/authorize",
            "token_endpoint": iss + "/token",
            "registration_endpoint": iss + "/register",
            "introspection_endpoint": iss + "/introspect",
            "scopes_supported": SCOPES,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
        }
        if mode == "issuer-mismatch":
            md["issuer"] = iss + "/"
        elif mode == "issuer-host":
            md["issuer"] = f"https://as2.{self.server.host.partition('.')[2]}/{mode}"
        elif mode == "no-s256":
            md["code_challenge_methods_supported"] = ["plain"]
        elif mode == "no-registration":
            del md["registration_endpoint"]
        return md

    def body(self):
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            return None
        return self.rfile.read(n)

    def form(self):
        raw = self.body()
        if raw is None:
            return None
        return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"),
                                             keep_blank_values=True).items()}

    def split(self):
        """-> (mode, rest-path, query dict) for /<mode>/<rest>; metadata form handled apart."""
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        parts = u.path.split("/", 2)
        mode = parts[1] if len(parts) > 1 else ""
        rest = "/" + parts[2] if len(parts) > 2 else "/"
        return mode, rest, q, u.path

    # ---------------------------------------------------------------- GET
    def do_GET(self):
        mode, rest, q, path = self.split()
        wk = "/.well-known/oauth-authorization-server/"
        if path.startswith(wk):
            return self.get_metadata(path[len(wk):])
        if mode not in MODES:
            self.log(mode, "404 (unknown mode)")
            return self.send(404, {"error": "not_found"})
        if rest == "/.well-known/openid-configuration":
            return self.get_metadata(mode)
        if rest == "/authorize":
            return self.authorize(mode, q)
        if rest == "/jmap/session":
            return self.jmap(mode)
        self.log(mode, "404")
        return self.send(404, {"error": "not_found"})

    do_HEAD = do_GET

    def get_metadata(self, mode):
        if mode not in MODES:
            self.log(mode, "404 (metadata of unknown mode)")
            return self.send(404, {"error": "not_found"})
        if mode == "redirect-metadata":
            to = f"https://{self.server.host}/.well-known/oauth-authorization-server/good"
            self.log(mode, f"302 {to}")
            return self.send(302, "", extra=[("Location", to)])
        self.log(mode, "200 metadata")
        return self.send(200, self.metadata(mode))

    def authorize(self, mode, q):
        st = self.server.state
        cid, ruri = q.get("client_id", ""), q.get("redirect_uri", "")
        with st.lock:
            client = st.clients.get(cid)
        if mode == "no-registration":
            client = {"redirect_uris": [ruri], "mode": mode}   # any client id, e.g. "open"
        err = None
        if q.get("response_type") != "code":
            err = "response_type must be code"
        elif client is None or client["mode"] != mode:
            err = f"unknown client_id {cid!r}"
        elif not any(loopback_match(r, ruri) for r in client["redirect_uris"]):
            err = f"redirect_uri {ruri!r} is not registered"
        elif not q.get("state"):
            err = "state missing"
        elif not q.get("code_challenge"):
            err = "code_challenge missing (PKCE required)"
        elif mode == "no-s256" and q.get("code_challenge_method", "plain") != "plain":
            err = "only code_challenge_method plain is supported"
        elif mode != "no-s256" and q.get("code_challenge_method") != "S256":
            err = "code_challenge_method must be S256"
        if err:
            self.log(mode, f"400 authorize: {err}")
            return self.send(400, err + "\n", "text/plain")
        code = "code-" + secrets.token_urlsafe(24)
        with st.lock:
            st.codes[code] = {"client_id": cid, "redirect_uri": ruri, "mode": mode,
                              "challenge": q["code_challenge"],
                              "method": q.get("code_challenge_method", "plain"),
                              "scope": q.get("scope", ""), "exp": time.time() + 120}
        state, iss = q["state"], self.issuer(mode)
        if mode == "wrong-state":
            state = "forged-" + secrets.token_urlsafe(8)
        elif mode == "iss-mismatch":
            iss = self.issuer("good")
        u = urlsplit(ruri)
        query = (u.query + "&" if u.query else "") + urlencode(
            {"code": code, "state": state, "iss": iss})
        to = urlunsplit((u.scheme, u.netloc, u.path, query, ""))
        self.log(mode, f"302 {to}")
        return self.send(302, "", extra=[("Location", to)])

    def valid_access(self, token):
        with self.server.state.lock:
            t = self.server.state.access.get(token)
        if t is None:
            return None, "unknown"
        if time.time() >= t["exp"]:
            return None, "expired"
        return t, "ok"

    def jmap(self, mode):
        auth = self.headers.get("Authorization", "")
        chal = f'Bearer realm="{self.server.host}"'
        if not auth.lower().startswith("bearer "):
            self.log(mode, "401 jmap (no Bearer)")
            return self.send(401, {"error": "unauthorized"}, extra=[("WWW-Authenticate", chal)])
        t, why = self.valid_access(auth[7:].strip())
        if t is None:
            self.log(mode, f"401 jmap ({why} token)")
            return self.send(401, {"error": "invalid_token"},
                             extra=[("WWW-Authenticate", chal + ', error="invalid_token"')])
        self.log(mode, "200 jmap session")
        base = f"https://{self.server.host}/{mode}/jmap"
        return self.send(200, {
            "capabilities": {"urn:ietf:params:jmap:core": {
                "maxSizeUpload": 50000000, "maxConcurrentUpload": 4, "maxSizeRequest": 10000000,
                "maxConcurrentRequests": 4, "maxCallsInRequest": 16, "maxObjectsInGet": 500,
                "maxObjectsInSet": 500, "collationAlgorithms": []},
                "urn:ietf:params:jmap:mail": {}},
            "accounts": {}, "primaryAccounts": {}, "username": f"alice@{mode}.liar.example",
            "apiUrl": base + "/api/", "downloadUrl": base + "/download/{accountId}/{blobId}/{name}?type={type}",
            "uploadUrl": base + "/upload/{accountId}/",
            "eventSourceUrl": base + "/eventsource/?types={types}&closeafter={closeafter}&ping={ping}",
            "state": "0"})

    # ---------------------------------------------------------------- POST
    def do_POST(self):
        mode, rest, q, path = self.split()
        if mode not in MODES:
            self.body()
            self.log(mode, "404 (unknown mode)")
            return self.send(404, {"error": "not_found"})
        if rest == "/register":
            return self.register(mode)
        if rest == "/token":
            return self.token(mode)
        if rest == "/introspect":
            return self.introspect(mode)
        self.body()
        self.log(mode, "404")
        return self.send(404, {"error": "not_found"})

    def register(self, mode):
        raw = self.body()
        if mode == "no-registration":
            self.log(mode, "404 register (no registration endpoint)")
            return self.send(404, {"error": "not_found"})
        if mode == "reg-refused":
            self.log(mode, "400 register refused")
            return self.send(400, {"error": "invalid_client_metadata",
                                   "error_description": "this server refuses every registration"})
        try:
            md = json.loads(raw or b"")
            if not isinstance(md, dict):
                raise ValueError("not an object")
        except ValueError as e:
            self.log(mode, f"400 register: bad JSON ({e})")
            return self.send(400, {"error": "invalid_client_metadata",
                                   "error_description": "body is not a JSON object"})
        uris = md.get("redirect_uris")
        if (not isinstance(uris, list) or not uris
                or not all(isinstance(u, str) and u.startswith(("http://127.0.0.1", "http://[::1]"))
                           for u in uris)):
            self.log(mode, f"400 register: bad redirect_uris {uris!r}")
            return self.send(400, {"error": "invalid_redirect_uri",
                                   "error_description": "loopback http redirect URIs only"})
        if md.get("token_endpoint_auth_method", "client_secret_basic") != "none":
            self.log(mode, "400 register: not a public client")
            return self.send(400, {"error": "invalid_client_metadata",
                                   "error_description": "token_endpoint_auth_method must be none"})
        cid = f"{mode}-{secrets.token_hex(8)}"
        with self.server.state.lock:
            self.server.state.clients[cid] = {"redirect_uris": uris, "mode": mode}
        out = dict(md)
        out.update({"client_id": cid, "client_id_issued_at": int(time.time()),
                    "token_endpoint_auth_method": "none",
                    "grant_types": md.get("grant_types", ["authorization_code"]),
                    "response_types": md.get("response_types", ["code"])})
        self.log(mode, f"201 register client_id={cid} redirect_uris={uris}")
        return self.send(201, out)

    def token_error(self, mode, code, err, desc):
        self.log(mode, f"{code} token: {err} ({desc})")
        return self.send(code, {"error": err, "error_description": desc})

    def issue(self, mode, cid, scope, grant):
        at = f"liar.{mode}.{secrets.token_urlsafe(24)}"
        exp_in = self.server.expires_in
        with self.server.state.lock:
            self.server.state.access[at] = {"exp": time.time() + exp_in, "scope": scope,
                                            "client_id": cid, "mode": mode}
        out = {"access_token": at, "token_type": "Bearer", "expires_in": exp_in, "scope": scope}
        if grant == "authorization_code":
            rt = f"liar-rt.{mode}.{secrets.token_urlsafe(24)}"
            with self.server.state.lock:
                self.server.state.refresh[rt] = {"scope": scope, "client_id": cid, "mode": mode}
            out["refresh_token"] = rt
        self.log(mode, f"200 token grant={grant} client_id={cid} expires_in={exp_in}")
        return self.send(200, out)

    def token(self, mode):
        f = self.form()
        if f is None:
            return self.token_error(mode, 400, "invalid_request", "bad body")
        st = self.server.state
        grant = f.get("grant_type", "")
        cid = f.get("client_id", "")
        if grant == "authorization_code":
            with st.lock:
                c = st.codes.pop(f.get("code", ""), None)
            if c is None or c["mode"] != mode or time.time() > c["exp"]:
                return self.token_error(mode, 400, "invalid_grant", "unknown, used or expired code")
            if c["client_id"] != cid:
                return self.token_error(mode, 400, "invalid_grant", "code issued to another client")
            if c["redirect_uri"] != f.get("redirect_uri", ""):
                return self.token_error(mode, 400, "invalid_grant", "redirect_uri differs")
            ver = f.get("code_verifier", "")
            if not 43 <= len(ver) <= 128:
                return self.token_error(mode, 400, "invalid_grant", "code_verifier missing or bad length")
            if c["method"] == "S256":
                ok = b64url(hashlib.sha256(ver.encode()).digest()) == c["challenge"]
            else:
                ok = ver == c["challenge"]
            if not ok:
                return self.token_error(mode, 400, "invalid_grant", "PKCE verifier does not match")
            return self.issue(mode, cid, c["scope"], grant)
        if grant == "refresh_token":
            with st.lock:
                r = st.refresh.get(f.get("refresh_token", ""))
            if r is None or r["mode"] != mode:
                return self.token_error(mode, 400, "invalid_grant", "unknown refresh token")
            if r["client_id"] != cid:
                return self.token_error(mode, 400, "invalid_grant", "refresh token of another client")
            return self.issue(mode, cid, r["scope"], grant)
        return self.token_error(mode, 400, "unsupported_grant_type", f"grant_type {grant!r}")

    def introspect(self, mode):
        f = self.form() or {}
        t, why = self.valid_access(f.get("token", ""))
        if t is None or t["mode"] != mode:
            self.log(mode, f"200 introspect inactive ({why})")
            return self.send(200, {"active": False})
        self.log(mode, "200 introspect active")
        return self.send(200, {"active": True, "username": f"alice@{mode}.liar.example",
                               "client_id": t["client_id"], "scope": t["scope"],
                               "exp": int(t["exp"]), "token_type": "Bearer"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def log(self, msg):
        line = time.strftime("%Y-%m-%dT%H:%M:%S ") + msg + "\n"
        with self.log_lock:
            self.logf.write(line)
            self.logf.flush()

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        self.log(f"{client_address[0]} connection error: {e.__class__.__name__}: {e}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--host", default="as.liar.example")
    ap.add_argument("--expires-in", type=int, default=5)
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    args = ap.parse_args()

    def on_signal(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        srv = Server((args.addr, args.port), Handler, bind_and_activate=True)
    except (OSError, ssl.SSLError) as e:
        print(f"fake_as.py: {e}", file=sys.stderr)
        return 1
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    srv.host = args.host
    srv.expires_in = args.expires_in
    srv.state = State()
    srv.log_lock = threading.Lock()
    srv.logf = open(args.log, "a", encoding="utf-8") if args.log else sys.stdout
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pidfile + ".tmp", args.pidfile)
    srv.log(f"fake_as.py: listening on {args.addr}:{args.port} (TLS) as https://{args.host}/<mode>, "
            f"modes {' '.join(MODES)}")
    try:
        srv.serve_forever(poll_interval=0.5)
    finally:
        try:
            srv.socket.close()
        except OSError:
            pass
        if args.pidfile:
            try:
                with open(args.pidfile) as f:
                    if f.read().strip() == str(os.getpid()):
                        os.unlink(args.pidfile)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
