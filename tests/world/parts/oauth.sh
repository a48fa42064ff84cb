# tests/world/parts/oauth.sh — the world's OAuth part (issue 5), sourced by tests/world/world.
#
#   P.9.10:4593  Glewlwyd 2.7 (Debian), HTTPS (certificate glewlwyd.oauth.internal), SQLite DB in
#                DIR/oauth/glw; only nginx and the door talk to it.  Issuer
#                https://auth.oauth.example/api/oidc
# Every hop is TLS except nginx -> Radicale (as in the core world): tests/integration/test_login.py
# captures loopback traffic and fails on "secret" in any plaintext payload (Glewlwyd's metadata
# says client_secret_basic, Dovecot's introspection body has client_secret=).
#   P.9.10:443   nginx (the world's own, DIR/web/parts/oauth.conf): auth.oauth.example (TLS front
#                of Glewlwyd + RFC 8414 path-inserted metadata), jmap.oauth.example (JMAP session,
#                Bearer) and dav.oauth.example (Radicale, Bearer)
#   P.9.10:8080  tests/world/oauth_door.py: loopback-only introspection door (Dovecot, nginx), HTTPS
#   P.9.20:443   tests/hostile/fake_as.py: the lying authorization server as.liar.example
#   P.9.25       a second Dovecot: IMAP 143 (STARTTLS) + 993, submission 587 (STARTTLS) + 465,
#                SASL OAUTHBEARER + XOAUTH2 only, tokens checked by introspection via the door
# Zones oauth.example and liar.example (<mode>.liar.example per fake AS mode); see README.
OAUTH_AS_IP=$P.9.10
OAUTH_GLW_PORT=4593
OAUTH_DOOR_PORT=8080
OAUTH_LIAR_IP=$P.9.20
OAUTH_MAIL_IP=$P.9.25
OAUTH_ISSUER=https://auth.oauth.example/api/oidc
OAUTH_USER=alice@oauth.example
OAUTH_SVC_CLIENT=dovecot
OAUTH_SVC_SECRET=dovecot-door-secret
OAUTH_SCOPES="urn:ietf:params:oauth:scope:mail urn:ietf:params:oauth:scope:calendars urn:ietf:params:oauth:scope:contacts openid offline_access"
OAUTH_LIAR_MODES=(good issuer-mismatch issuer-host no-s256 wrong-state iss-mismatch reg-refused
    redirect-metadata no-registration)
FAKE_AS_PY=$HOSTILE/fake_as.py
OAUTH_DOOR_PY=$HERE/oauth_door.py

PORTS+=("glewlwyd:$OAUTH_AS_IP:$OAUTH_GLW_PORT" "nginx:$OAUTH_AS_IP:443"
    "oauthdoor:$OAUTH_AS_IP:$OAUTH_DOOR_PORT" "fakeas:$OAUTH_LIAR_IP:443"
    "dovecot_oauth:$OAUTH_MAIL_IP:143" "dovecot_oauth:$OAUTH_MAIL_IP:993"
    "dovecot_oauth:$OAUTH_MAIL_IP:587" "dovecot_oauth:$OAUTH_MAIL_IP:465")
SERVICES+=(glewlwyd oauthdoor fakeas dovecot_oauth)
STOP_ORDER=(dovecot_oauth fakeas oauthdoor glewlwyd "${STOP_ORDER[@]}")
DELAYED+=("$OAUTH_AS_IP:443" "$OAUTH_LIAR_IP:443" "$OAUTH_MAIL_IP:143 993 587 465")

oauth_doc() { # "Provider" short issuer [jmap-url] [dav-host]: current-format PACC document, OAuth only
    local extra=""
    [[ -z ${4:-} ]] || extra+=$(printf ',\n    "jmap": { "url": "%s" }' "$4")
    [[ -z ${5:-} ]] || extra+=$(printf ',\n    "caldav": { "url": "https://%s/calendar/" },\n    "carddav": { "url": "https://%s/contacts/" }' "$5" "$5")
    cat <<EOF
{
  "protocols": {
    "imap": { "host": "imap.oauth.example" },
    "submit": { "host": "smtp.oauth.example" }$extra
  },
  "authentication": {
    "oauth-public": { "issuer": "$3" }
  },
  "info": {
    "provider": { "name": "$1", "shortName": "$2" }
  }
}
EOF
}

part_oauth_www() { # (the first hook: check the packages before anything is generated)
    local m
    command -v glewlwyd >/dev/null && [[ -f /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz ]] ||
        die "missing glewlwyd (the OAuth part's authorization server): run scripts/install-deps, or: echo 'glewlwyd glewlwyd/config_type select No configuration' | debconf-set-selections; apt-get install glewlwyd dbconfig-no-thanks sqlite3"
    command -v sqlite3 >/dev/null || die "missing sqlite3 (Debian package sqlite3), needed by the OAuth part"
    oauth_doc "OAuth Example" OAuth "$OAUTH_ISSUER" https://jmap.oauth.example/session dav.oauth.example |
        write_doc ua-auto-config.oauth.example
    for m in "${OAUTH_LIAR_MODES[@]}"; do
        if [[ $m == good ]]; then
            oauth_doc "Liar ($m)" "Liar-$m" "https://as.liar.example/$m" "https://as.liar.example/$m/jmap/session"
        else
            oauth_doc "Liar ($m)" "Liar-$m" "https://as.liar.example/$m"
        fi | write_doc "ua-auto-config.$m.liar.example"
    done
    "$PY" -c 'import json, sys
for f in sys.argv[1:]:
    json.load(open(f))' "$(docpath ua-auto-config.oauth.example)" "$WWW"/ua-auto-config.*.liar.example/.well-known/user-agent-configuration.json ||
        die "the OAuth part wrote a PACC document that is not valid JSON"
}

part_oauth_zones() {
    local m
    ALL_ZONES+=(oauth.example liar.example)
    zbegin oauth.example
    pacc "" "$WEB_IP" "$(docpath ua-auto-config.oauth.example)"
    WEB_NAMES+=(ua-auto-config.oauth.example)
    web_hosts "$OAUTH_AS_IP" auth jmap dav
    mail_hosts "$OAUTH_MAIL_IP" imap smtp
    zbegin liar.example
    rr "as A $OAUTH_LIAR_IP"
    for m in "${OAUTH_LIAR_MODES[@]}"; do
        pacc ".$m" "$WEB_IP" "$(docpath "ua-auto-config.$m.liar.example")"
        WEB_NAMES+=("ua-auto-config.$m.liar.example")
    done
}

part_oauth_conf() {
    local O=$D/oauth G=$D/oauth/glw M=$D/oauth/mail
    mkdir -p "$G" "$M/run" "$M/state" "$M/users"
    chown 65534:65534 "$M/users"
    leaf fakeas as.liar.example "DNS:as.liar.example"
    # Glewlwyd and the door (internal hops, TLS so that no test secret crosses in plaintext)
    leaf oauthint glewlwyd.oauth.internal \
        "DNS:glewlwyd.oauth.internal,DNS:door.oauth.internal,IP:$OAUTH_AS_IP"
    chmod 644 "$D/ca/fakeas.key" "$D/ca/oauthint.key"

    # ---- Glewlwyd: configuration, database (+ DCR public-client fix), JWT key
    cat > "$G/glewlwyd.conf" <<EOF
# generated by tests/world/parts/oauth.sh; run: glewlwyd -c $G/glewlwyd.conf
port=$OAUTH_GLW_PORT
bind_address="$OAUTH_AS_IP"
external_url="https://auth.oauth.example"
login_url="login.html"
api_prefix="api"
static_files_path="/usr/share/glewlwyd/webapp/"
allow_origin="*"
log_mode="file"
log_level="DEBUG"
log_file="$D/logs/glewlwyd.log"
cookie_domain="auth.oauth.example"
cookie_secure=1
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
add_x_frame_option_header_deny=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
user_middleware_module_path="/usr/lib/glewlwyd/user_middleware"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
use_secure_connection=true
secure_connection_key_file="$D/ca/oauthint.key"
secure_connection_pem_file="$D/ca/oauthint.crt"
hash_algorithm="SHA512"
database = { type = "sqlite3" path = "$G/glewlwyd.db" };
static_files_mime_types = (
  { extension = ".html" mime_type = "text/html" compress = 0 },
  { extension = ".css" mime_type = "text/css" compress = 0 },
  { extension = ".js" mime_type = "application/javascript" compress = 0 },
  { extension = ".json" mime_type = "application/json" compress = 0 }
)
EOF
    # Glewlwyd 2.7 stores a DCR client with token_endpoint_auth_method "none" as confidential
    # (upstream bug): flip it to public when that property is inserted
    # (one transaction without journal: ~15 ms instead of ~1 s of fsyncs)
    { printf 'PRAGMA journal_mode=OFF;\nPRAGMA synchronous=OFF;\nBEGIN;\n'
      zcat /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz
      cat <<'EOF'
CREATE TRIGGER t_dcr_public_client AFTER INSERT ON g_client_property
WHEN NEW.gcp_name = 'token_endpoint_auth_method' AND NEW.gcp_value = 'none'
BEGIN UPDATE g_client SET gc_confidential = 0 WHERE gc_id = NEW.gc_id; END;
COMMIT;
EOF
    } | sqlite3 "$G/glewlwyd.db" >/dev/null || die "initialising Glewlwyd's SQLite database failed"
    # token signing key: ECDSA P-256 (ES256; an RSA key costs ~0.1-0.5 s to make)
    openssl ecparam -name prime256v1 -genkey -noout -out "$G/jwt.key" 2>>"$D/ca/openssl.err" &&
        openssl ec -in "$G/jwt.key" -pubout -out "$G/jwt.pub" 2>>"$D/ca/openssl.err" ||
        die "openssl: Glewlwyd's JWT key failed"

    # ---- JMAP session object behind Bearer
    cat > "$O/jmap-session.json" <<EOF
{
  "capabilities": {
    "urn:ietf:params:jmap:core": { "maxSizeUpload": 50000000, "maxConcurrentUpload": 4,
      "maxSizeRequest": 10000000, "maxConcurrentRequests": 4, "maxCallsInRequest": 16,
      "maxObjectsInGet": 500, "maxObjectsInSet": 500, "collationAlgorithms": [] },
    "urn:ietf:params:jmap:mail": {}
  },
  "accounts": {},
  "primaryAccounts": {},
  "username": "$OAUTH_USER",
  "apiUrl": "https://jmap.oauth.example/jmap/api/",
  "downloadUrl": "https://jmap.oauth.example/jmap/download/{accountId}/{blobId}/{name}?type={type}",
  "uploadUrl": "https://jmap.oauth.example/jmap/upload/{accountId}/",
  "eventSourceUrl": "https://jmap.oauth.example/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}",
  "state": "0"
}
EOF

    # ---- nginx: TLS front for the issuer, JMAP and DAV with Bearer (auth_request -> door)
    local pre
    bearer_loc() { # name scope
        printf '        location = /_bearer_%s {\n            internal;\n            proxy_pass https://%s:%s/check;\n            proxy_ssl_verify on;\n            proxy_ssl_trusted_certificate %s;\n            proxy_ssl_name door.oauth.internal;\n            proxy_pass_request_body off;\n            proxy_set_header Content-Length "";\n            proxy_set_header X-Required-Scope "%s";\n        }\n' \
            "$1" "$OAUTH_AS_IP" "$OAUTH_DOOR_PORT" "$D/ca/ca.crt" "$2"
    }
    cat > "$D/web/parts/oauth.conf" <<EOF
    # generated by tests/world/parts/oauth.sh
    server {
        listen $OAUTH_AS_IP:443 ssl http2;
        server_name auth.oauth.example;
        ssl_protocols TLSv1.2 TLSv1.3;
        # RFC 8414 path-inserted metadata URL for the issuer $OAUTH_ISSUER
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate $D/ca/ca.crt;
        proxy_ssl_name glewlwyd.oauth.internal;
        location = /.well-known/oauth-authorization-server/api/oidc {
            proxy_pass https://$OAUTH_AS_IP:$OAUTH_GLW_PORT/api/oidc/.well-known/openid-configuration;
        }
        location / {
            proxy_pass https://$OAUTH_AS_IP:$OAUTH_GLW_PORT;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
    }
    server {
        listen $OAUTH_AS_IP:443 ssl http2;
        server_name jmap.oauth.example;
        ssl_protocols TLSv1.2 TLSv1.3;
        auth_request_set \$bearer_challenge \$upstream_http_www_authenticate;
        error_page 401 = @unauthorized;
        error_page 403 = @forbidden;
        location = /.well-known/jmap { return 301 https://\$host/session; }
        location = /session {
            auth_request /_bearer_mail;
            default_type application/json;
            alias $O/jmap-session.json;
        }
$(bearer_loc mail urn:ietf:params:oauth:scope:mail)
        location @unauthorized { add_header WWW-Authenticate \$bearer_challenge always; return 401; }
        location @forbidden { add_header WWW-Authenticate \$bearer_challenge always; return 403; }
        location / { return 404; }
    }
    server {
        listen $OAUTH_AS_IP:443 ssl http2;
        server_name dav.oauth.example;
        ssl_protocols TLSv1.2 TLSv1.3;
        auth_request_set \$bearer_challenge \$upstream_http_www_authenticate;
        auth_request_set \$bearer_basic \$upstream_http_x_pacc_basic;
        error_page 401 = @unauthorized;
        error_page 403 = @forbidden;
        location = /.well-known/caldav { return 301 https://\$host/dav/; }
        location = /.well-known/carddav { return 301 https://\$host/dav/; }
$(for pre in calendar:calendars contacts:contacts dav:calendars; do
    printf '        location /%s/ {\n            auth_request /_bearer_%s;\n            proxy_pass http://%s:5232/;\n            proxy_set_header X-Script-Name /%s;\n            proxy_set_header Host $host;\n            proxy_set_header X-Forwarded-Proto https;\n            proxy_set_header Authorization $bearer_basic;\n            proxy_http_version 1.1;\n        }\n' \
        "${pre%%:*}" "${pre#*:}" "$DAV_IP" "${pre%%:*}"
done)
$(bearer_loc calendars urn:ietf:params:oauth:scope:calendars)
$(bearer_loc contacts urn:ietf:params:oauth:scope:contacts)
        location @unauthorized { add_header WWW-Authenticate \$bearer_challenge always; return 401; }
        location @forbidden { add_header WWW-Authenticate \$bearer_challenge always; return 403; }
        location / { return 404; }
    }
EOF
    unset -f bearer_loc

    # ---- Dovecot #2: OAUTHBEARER/XOAUTH2 only, tokens introspected through the door
    cat > "$M/dovecot.conf" <<EOF
# generated by tests/world/parts/oauth.sh; run: dovecot -c $M/dovecot.conf -F
base_dir = $M/run
state_dir = $M/state
instance_name = pacc-world-oauth-$P
listen = $OAUTH_MAIL_IP
protocols = imap submission
log_path = $D/logs/dovecot-oauth.log
info_log_path = $D/logs/dovecot-oauth.log
hostname = imap.oauth.example
default_internal_user = dovecot
default_login_user = dovenull
shutdown_clients = yes

ssl = yes
ssl_cert = <$D/ca/mail.crt
ssl_key = <$D/ca/mail.key
ssl_min_protocol = TLSv1.2
# OAUTHBEARER/XOAUTH2 count as plaintext mechanisms: offered only after STARTTLS (or on 993/465)
disable_plaintext_auth = yes
auth_mechanisms = oauthbearer xoauth2
auth_failure_delay = 0
auth_verbose = yes
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
login_trusted_networks =

mail_location = maildir:~/Maildir
passdb {
  driver = oauth2
  mechanisms = oauthbearer xoauth2
  args = $M/dovecot-oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$M/users/%u
}
service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
service submission-login {
  inet_listener submission {
    port = 587
  }
  inet_listener submissions {
    port = 465
    ssl = yes
  }
}
protocol submission {
  hostname = smtp.oauth.example
}
# relay accepted mail to the core Postfix's port 25, which discards it
submission_relay_host = $MTA_IP
submission_relay_port = 25
submission_relay_trusted = yes
EOF
    cat > "$M/dovecot-oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = https://$OAUTH_AS_IP:$OAUTH_DOOR_PORT/introspect
tls_ca_cert_file = $D/ca/ca.crt
username_attribute = username
active_attribute = active
active_value = true
force_introspection = yes
timeout_msecs = 5000
EOF
}

oauth_provision() { # Glewlwyd's admin REST API: scopes, OIDC plugin, user, Dovecot's client
    "$PY" - "$OAUTH_AS_IP" "$OAUTH_GLW_PORT" "$D/oauth/glw" "$OAUTH_ISSUER" "$OAUTH_USER" "$D/ca/ca.crt" \
        "$MAIL_PASSWORD" "$OAUTH_SVC_CLIENT" "$OAUTH_SVC_SECRET" "$OAUTH_SCOPES" <<'EOF'
import http.client, json, socket, ssl, sys
ip, port, gdir, iss, user, ca, pw, svc, svcpw, scopes = sys.argv[1:11]
scopes = scopes.split()
c = http.client.HTTPConnection("glewlwyd.oauth.internal", int(port), timeout=10)
c.sock = ssl.create_default_context(cafile=ca).wrap_socket(
    socket.create_connection((ip, int(port)), timeout=10), server_hostname="glewlwyd.oauth.internal")
cookie = None
def call(method, path, body):
    global cookie
    h = {"Content-Type": "application/json"}
    if cookie:
        h["Cookie"] = cookie
    c.request(method, "/api" + path, body=json.dumps(body), headers=h)
    r = c.getresponse()
    data = r.read()
    sc = r.getheader("Set-Cookie")
    if sc:
        cookie = sc.split(";")[0]
    if r.status != 200:
        sys.exit(f"glewlwyd admin API: {method} /api{path} -> HTTP {r.status} {data[:300]!r}")
call("POST", "/auth/", {"username": "admin", "password": "password"})
desc = {"urn:ietf:params:oauth:scope:mail": ("Mail", "IMAP, POP3, SMTP submission, JMAP mail"),
        "urn:ietf:params:oauth:scope:calendars": ("Calendars", "CalDAV, JMAP calendars"),
        "urn:ietf:params:oauth:scope:contacts": ("Contacts", "CardDAV, JMAP contacts"),
        "offline_access": ("Offline access", "refresh tokens")}
for s in scopes:
    if s == "openid":
        continue   # in Glewlwyd's initial database
    name, d = desc[s]
    call("POST", "/scope/", {"name": s, "display_name": name, "description": d,
         "password_required": True, "password_max_age": 0, "scheme": {}})
call("POST", "/scope/", {"name": "introspect", "display_name": "Introspection",
     "description": "RFC 7662 introspection (the world's door)", "password_required": False, "scheme": {}})
call("POST", "/mod/plugin/", {"module": "oidc", "name": "oidc", "display_name": "OpenID Connect",
  "enabled": True, "parameters": {
  "iss": iss, "jwt-type": "ecdsa", "jwt-key-size": "256",
  "key": open(gdir + "/jwt.key").read(), "cert": open(gdir + "/jwt.pub").read(),
  "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
  "refresh-token-rolling": True, "refresh-token-one-use": "never", "allow-non-oidc": True,
  "auth-type-code-enabled": True, "auth-type-token-enabled": False, "auth-type-id-token-enabled": True,
  "auth-type-none-enabled": False, "auth-type-password-enabled": False, "auth-type-client-enabled": True,
  "auth-type-device-enabled": False, "auth-type-refresh-enabled": True,
  "scope": [], "additional-parameters": [], "claims": [],
  "jwks-show": True, "request-parameter-allow": False, "secret-type": "pairwise",
  "address-claim": {"type": "no", "formatted": "", "street_address": "", "locality": "", "region": "",
                    "postal_code": "", "country": "", "mandatory": False},
  "name-claim": "on-demand", "name-claim-scope": [], "email-claim": "mandatory", "email-claim-scope": [],
  "scope-claim": "no", "scope-claim-scope": [], "allowed-scope": scopes,
  "pkce-allowed": True, "pkce-method-plain-allowed": False, "pkce-required-public-client": True,
  "introspection-revocation-allowed": True, "introspection-revocation-auth-scope": ["introspect"],
  "introspection-revocation-allow-target-client": True,
  "register-client-allowed": True, "register-client-auth-scope": [], "register-client-credentials-scope": [],
  "register-client-token-one-use": True, "register-client-management-allowed": True,
  "register-resource-specify-allowed": False, "register-resource-default": [], "register-default-properties": {},
  "session-management-allowed": False, "encrypt-out-token-allow": False,
  "oauth-dpop-allowed": False, "resource-allowed": False, "oauth-rar-allowed": False,
  "oauth-par-allowed": False, "oauth-ciba-allowed": False}})
call("POST", "/user/", {"username": user, "name": "Alice", "email": user, "password": pw,
     "scope": scopes, "enabled": True})
call("POST", "/client/", {"client_id": svc, "name": "Dovecot (the world's introspection door)",
     "confidential": True, "password": svcpw, "token_endpoint_auth_method": ["client_secret_basic"],
     "authorization_type": ["client_credentials"], "scope": ["introspect"], "redirect_uri": [],
     "enabled": True})
EOF
}

part_oauth_start() {
    local O=$D/oauth M=$D/oauth/mail out t0 p
    t0=$(now)
    out=$(doveconf -c "$M/dovecot.conf" -n 2>&1 >/dev/null) ||
        { printf '%s\n' "$out" >&2; die "the OAuth part's dovecot configuration was rejected"; }
    rm -f "$M/run/anvil-auth-penalty"   # a stale socket delays the first login by ~5 s
    # launch all four, then collect their pids
    setsid bash -c 'echo $$ > "$1"; exec glewlwyd -c "$2"' _ "$D/run/glewlwyd.pid.self" "$O/glw/glewlwyd.conf" \
        </dev/null >>"$D/logs/glewlwyd.out" 2>&1 &
    setsid bash -c 'echo $$ > "$1"; exec dovecot -c "$2" -F' _ "$D/run/dovecot_oauth.pid.self" "$M/dovecot.conf" \
        </dev/null >>"$D/logs/dovecot-oauth.out" 2>&1 &
    setsid "$PY" "$FAKE_AS_PY" "$OAUTH_LIAR_IP" 443 --cert "$D/ca/fakeas.crt" --key "$D/ca/fakeas.key" \
        --host as.liar.example --log "$D/logs/fake_as.log" --pidfile "$D/run/fakeas.pid.self" \
        </dev/null >>"$D/logs/fake_as.out" 2>&1 &
    setsid "$PY" "$OAUTH_DOOR_PY" "$OAUTH_AS_IP" "$OAUTH_DOOR_PORT" \
        --glewlwyd "https://$OAUTH_AS_IP:$OAUTH_GLW_PORT" --glewlwyd-name glewlwyd.oauth.internal \
        --cert "$D/ca/oauthint.crt" --key "$D/ca/oauthint.key" --client-id "$OAUTH_SVC_CLIENT" \
        --client-secret "$OAUTH_SVC_SECRET" --liar https://as.liar.example --liar-ip "$OAUTH_LIAR_IP" \
        --ca "$D/ca/ca.crt" --basic-password "$MAIL_PASSWORD" --log "$D/logs/oauth_door.log" \
        --pidfile "$D/run/oauthdoor.pid.self" </dev/null >>"$D/logs/oauth_door.out" 2>&1 &
    record_pid glewlwyd "$D/run/glewlwyd.pid.self" "$D/logs/glewlwyd.out"
    record_pid dovecot_oauth "$D/run/dovecot_oauth.pid.self" "$D/logs/dovecot-oauth.out"
    record_pid fakeas "$D/run/fakeas.pid.self" "$D/logs/fake_as.out"
    record_pid oauthdoor "$D/run/oauthdoor.pid.self" "$D/logs/oauth_door.out"
    wait_tcp glewlwyd "$OAUTH_AS_IP" "$OAUTH_GLW_PORT" "$D/logs/glewlwyd.out" "$D/logs/glewlwyd.log"
    oauth_provision || { log_tail "$D/logs/glewlwyd.log"; die "provisioning Glewlwyd's admin API failed"; }
    wait_tcp oauthdoor "$OAUTH_AS_IP" "$OAUTH_DOOR_PORT" "$D/logs/oauth_door.out" "$D/logs/oauth_door.log"
    wait_tcp fakeas "$OAUTH_LIAR_IP" 443 "$D/logs/fake_as.out" "$D/logs/fake_as.log"
    for p in 143 993 587 465; do
        wait_tcp dovecot_oauth "$OAUTH_MAIL_IP" "$p" "$D/logs/dovecot-oauth.out" "$D/logs/dovecot-oauth.log"
    done
    # the door mints Dovecot's service token: proves client, scope and introspection work
    out=$(curl -sS --max-time 5 --cacert "$D/ca/ca.crt" -d token=not-a-token "https://$OAUTH_AS_IP:$OAUTH_DOOR_PORT/introspect" 2>&1) &&
        [[ $out == *'"active":false'* ]] ||
        { say "the OAuth introspection door does not answer {\"active\":false} for a bad token: $out"
          log_tail "$D/logs/oauth_door.log" "$D/logs/glewlwyd.log"; exit 1; }
    say "oauth part up in $(elapsed "$t0") s (Glewlwyd provisioned, door, fake AS, Dovecot on $OAUTH_MAIL_IP)"
}

part_oauth_env() {
    cat <<EOF
PACC_OAUTH_ADDRESS=$OAUTH_USER
PACC_OAUTH_ISSUER=$OAUTH_ISSUER
PACC_OAUTH_USER=$OAUTH_USER
PACC_OAUTH_PASSWORD=$MAIL_PASSWORD
PACC_OAUTH_SCOPES="$OAUTH_SCOPES"
PACC_OAUTH_BROWSER=$HERE/oauth_browser.py
PACC_OAUTH_AS_IP=$(cip "$OAUTH_AS_IP")
PACC_OAUTH_IMAP_IP=$(cip "$OAUTH_MAIL_IP")
PACC_OAUTH_LIAR_IP=$(cip "$OAUTH_LIAR_IP")
PACC_OAUTH_LIAR_DOMAIN=liar.example
PACC_OAUTH_LIAR_MODES="${OAUTH_LIAR_MODES[*]}"
PACC_OAUTH_LIAR_LOG=$D/logs/fake_as.log
PACC_OAUTH_INTROSPECT_URL=https://$OAUTH_AS_IP:$OAUTH_DOOR_PORT/introspect
PACC_OAUTH_JMAP_URL=https://jmap.oauth.example/session
PACC_OAUTH_CALDAV_URL=https://dav.oauth.example/calendar/
PACC_OAUTH_CARDDAV_URL=https://dav.oauth.example/contacts/
PACC_OAUTH_GLEWLWYD_LOG=$D/logs/glewlwyd.log
PACC_OAUTH_DOVECOT_CONF=$D/oauth/mail/dovecot.conf
EOF
}
