#!/usr/bin/env bash
# tests/world/oauth_smoke.sh [ENVFILE] — the world's OAuth part end to end, without pacc:
# RFC 8414 metadata, RFC 7591 registration of a public client with a loopback redirect,
# the browser step (oauth_browser.py) into a small loopback listener, code + PKCE verifier
# -> token, refresh, IMAP (STARTTLS and 993) and SMTP submission (STARTTLS and 465) with
# AUTHENTICATE OAUTHBEARER (and XOAUTH2), Bearer on JMAP and CalDAV, the introspection door,
# and the lying AS (tests/hostile/fake_as.py): its good mode end to end (its token logs in to
# the OAuth Dovecot through the door), issuer-mismatch metadata, wrong state, refused
# registration, expiry.  ENVFILE defaults to $PACC_WORLD_ENV; without either: skip (77).
# Prints one line per check and "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
ENVFILE=${1:-${PACC_WORLD_ENV:-}}
if [[ -z $ENVFILE ]]; then echo "oauth_smoke: no ENVFILE and no PACC_WORLD_ENV: skipped"; exit 77; fi
[[ -r $ENVFILE ]] || { echo "oauth_smoke: cannot read $ENVFILE" >&2; exit 1; }
set -a
# shellcheck source=/dev/null
. "$ENVFILE"
set +a
export PACC_WORLD_ENV=$ENVFILE
if [[ -z ${PACC_OAUTH_ISSUER:-} ]]; then echo "oauth_smoke: the world has no OAuth part: skipped"; exit 77; fi
PY=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
BROWSER=${PACC_OAUTH_BROWSER:-$HERE/oauth_browser.py}
T=$(mktemp -d "${TMPDIR:-/tmp}/oauth-smoke.XXXXXX")
LPID=
cleanup() { [[ -n $LPID ]] && kill "$LPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$1"; [[ -n ${2:-} ]] && printf '     %s\n' "${2:0:600}"; }
check() { # name command... : passes if the command succeeds
    local name=$1 out; shift
    if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$out"; fi
}
jget() { "$PY" -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d if not isinstance(d,(list,dict)) else json.dumps(d))' "$1"; }

AS=auth.oauth.example LIAR=as.liar.example
CURL=(curl -sS --max-time 20 --cacert "$PACC_CA_FILE"
      --resolve "$AS:443:$PACC_OAUTH_AS_IP" --resolve "jmap.oauth.example:443:$PACC_OAUTH_AS_IP"
      --resolve "dav.oauth.example:443:$PACC_OAUTH_AS_IP" --resolve "$LIAR:443:$PACC_OAUTH_LIAR_IP"
      --resolve "imap.oauth.example:143:$PACC_OAUTH_IMAP_IP" --resolve "imap.oauth.example:993:$PACC_OAUTH_IMAP_IP"
      --resolve "smtp.oauth.example:587:$PACC_OAUTH_IMAP_IP" --resolve "smtp.oauth.example:465:$PACC_OAUTH_IMAP_IP")
USER_=$PACC_OAUTH_USER

listener() { # starts a one-request loopback listener; sets PORT, LPID; request line -> $T/got
    rm -f "$T/got" "$T/port"
    "$PY" - "$T" <<'EOF' &
import socket, sys
t = sys.argv[1]
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); s.settimeout(30)
open(t + "/port.tmp", "w").write(str(s.getsockname()[1]))
import os; os.replace(t + "/port.tmp", t + "/port")
c, _ = s.accept(); c.settimeout(10)
data = b""
while b"\r\n\r\n" not in data:
    chunk = c.recv(4096)
    if not chunk: break
    data += chunk
line = data.split(b"\r\n", 1)[0].decode()
open(t + "/got", "w").write(line.split(" ")[1] if " " in line else line)
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\nConnection: close\r\n\r\nauthorization done.\n")
c.close()
EOF
    LPID=$!
    for _ in $(seq 100); do [[ -s $T/port ]] && break; sleep 0.05; done
    PORT=$(cat "$T/port")
}

pkce() { # -> VERIFIER CHALLENGE STATE
    "$PY" -c 'import base64,hashlib,secrets
v=secrets.token_urlsafe(48); c=base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).decode().rstrip("=")
print(v, c, secrets.token_hex(8))'
}
urlq() { "$PY" -c 'import sys,urllib.parse as u;print(u.urlencode(dict(zip(sys.argv[1::2],sys.argv[2::2])),quote_via=u.quote))' "$@"; }
qparam() { "$PY" -c 'import sys,urllib.parse as u;print(u.parse_qs(u.urlsplit(sys.argv[1]).query).get(sys.argv[2],[""])[0])' "$1" "$2"; }

register() { # issuer redirect_uri scope -> registration JSON in $T/reg.json, HTTP code on stdout
    "${CURL[@]}" -o "$T/reg.json" -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"client_name\":\"pacc oauth smoke\",\"redirect_uris\":[\"$2\"],\"token_endpoint_auth_method\":\"none\",\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"],\"application_type\":\"native\",\"scope\":\"$3\",\"software_id\":\"pacc-oauth-smoke\",\"software_version\":\"1\"}" \
        "$1"
}

# ------------------------------------------------------------------ the PACC documents
for h in ua-auto-config.oauth.example ua-auto-config.good.liar.example; do
    DOC=$(curl -sS --max-time 20 --cacert "$PACC_CA_FILE" --resolve "$h:443:$PACC_WEB_IP" \
          "https://$h/.well-known/user-agent-configuration.json")
    check "PACC document of ${h#ua-auto-config.}: JSON, OAuth issuer, imap.oauth.example" \
        test "$(jget authentication.oauth-public.issuer <<< "$DOC" 2>&1) $(jget protocols.imap.host <<< "$DOC" 2>&1)" \
        = "$([[ $h == *liar* ]] && echo https://as.liar.example/good || echo "$PACC_OAUTH_ISSUER") imap.oauth.example"
done

# ------------------------------------------------------------------ Glewlwyd
MD_URL=https://$AS/.well-known/oauth-authorization-server/api/oidc
MD=$("${CURL[@]}" "$MD_URL")
check "metadata (RFC 8414 path-inserted) issuer is $PACC_OAUTH_ISSUER" test "$(jget issuer <<< "$MD")" = "$PACC_OAUTH_ISSUER"
check "metadata: S256 in code_challenge_methods_supported" grep -q S256 <<< "$(jget code_challenge_methods_supported <<< "$MD")"
REG_EP=$(jget registration_endpoint <<< "$MD" 2>/dev/null)
AUTH_EP=$(jget authorization_endpoint <<< "$MD" 2>/dev/null)
TOKEN_EP=$(jget token_endpoint <<< "$MD" 2>/dev/null)
check "metadata: registration_endpoint" test -n "$REG_EP"
check "OIDC discovery form is the same issuer" test "$("${CURL[@]}" "$PACC_OAUTH_ISSUER/.well-known/openid-configuration" | jget issuer)" = "$PACC_OAUTH_ISSUER"
for s in $PACC_OAUTH_SCOPES; do
    check "metadata: scope $s supported" grep -qF "\"$s\"" <<< "$(jget scopes_supported <<< "$MD")"
done

SCOPE="urn:ietf:params:oauth:scope:mail urn:ietf:params:oauth:scope:calendars urn:ietf:params:oauth:scope:contacts offline_access"
listener
RURI=http://127.0.0.1:$PORT/callback
code=$(register "$REG_EP" "$RURI" "$SCOPE")
check "registration of a public client: HTTP 200/201 (Glewlwyd: 200)" test "$code" = 200 -o "$code" = 201
CID=$(jget client_id < "$T/reg.json" 2>/dev/null)
check "registration: client_id" test -n "$CID"
read -r VER CHAL STATE < <(pkce)
URL="$AUTH_EP?$(urlq response_type code client_id "$CID" redirect_uri "$RURI" scope "$SCOPE" state "$STATE" code_challenge "$CHAL" code_challenge_method S256)"
check "browser: login, consent, redirect to the loopback listener" "$PY" "$BROWSER" --quiet "$URL"
wait "$LPID" 2>/dev/null; LPID=
GOT=$(cat "$T/got" 2>/dev/null)
check "listener got the same state" test "$(qparam "$GOT" state)" = "$STATE"
CODE=$(qparam "$GOT" code)
TOK=$("${CURL[@]}" -d grant_type=authorization_code -d client_id="$CID" --data-urlencode redirect_uri="$RURI" \
      --data-urlencode code="$CODE" -d code_verifier="$VER" "$TOKEN_EP")
AT=$(jget access_token <<< "$TOK" 2>/dev/null)
RT=$(jget refresh_token <<< "$TOK" 2>/dev/null)
check "token: code + PKCE verifier -> access and refresh token" test -n "$AT" -a -n "$RT"
check "token: wrong verifier refused" test "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -d grant_type=authorization_code -d client_id="$CID" --data-urlencode redirect_uri="$RURI" --data-urlencode code="$CODE" -d code_verifier="$VER-x" "$TOKEN_EP")" != 200
TOK2=$("${CURL[@]}" -d grant_type=refresh_token -d client_id="$CID" --data-urlencode refresh_token="$RT" "$TOKEN_EP")
AT2=$(jget access_token <<< "$TOK2" 2>/dev/null)
check "refresh grant -> new access token" test -n "$AT2" -a "$AT2" != "$AT"
INTRO=$(curl -sS --max-time 10 --cacert "$PACC_CA_FILE" --data-urlencode token="$AT2" "$PACC_OAUTH_INTROSPECT_URL")
check "introspection door: active, username $USER_" test "$(jget active <<< "$INTRO")-$(jget username <<< "$INTRO")" = "True-$USER_"

MAILC=(--login-options AUTH=OAUTHBEARER -u "$USER_:")
check "IMAP 143 STARTTLS AUTHENTICATE OAUTHBEARER" "${CURL[@]}" --ssl-reqd "${MAILC[@]}" --oauth2-bearer "$AT2" imap://imap.oauth.example:143/INBOX -X 'EXAMINE INBOX'
check "IMAP 993 AUTHENTICATE OAUTHBEARER" "${CURL[@]}" "${MAILC[@]}" --oauth2-bearer "$AT" imaps://imap.oauth.example:993/ -X NOOP
check "IMAP 993 AUTHENTICATE XOAUTH2" "${CURL[@]}" --login-options AUTH=XOAUTH2 -u "$USER_:" --oauth2-bearer "$AT" imaps://imap.oauth.example:993/ -X NOOP
check "IMAP with a bad token fails" bash -c '! "$@"' _ "${CURL[@]}" "${MAILC[@]}" --oauth2-bearer "not-a-token" imaps://imap.oauth.example:993/ -X NOOP
check "IMAP 143 offers no AUTH before STARTTLS" bash -c '"$@" | grep -q LOGINDISABLED' _ \
    "$PY" -c 'import socket,sys
s=socket.create_connection((sys.argv[1],143),5); f=s.makefile("rwb")
f.readline(); f.write(b"a CAPABILITY\r\n"); f.flush(); print(f.readline().decode())' "$PACC_OAUTH_IMAP_IP"
printf 'From: %s\r\nTo: bob@example.net\r\nSubject: oauth smoke\r\n\r\nhello\r\n' "$USER_" > "$T/msg"
SMTPC=("${MAILC[@]}" --mail-from "$USER_" --mail-rcpt bob@example.net --upload-file "$T/msg")
check "SMTP 587 STARTTLS AUTH OAUTHBEARER + message" "${CURL[@]}" --ssl-reqd "${SMTPC[@]}" --oauth2-bearer "$AT2" smtp://smtp.oauth.example:587
check "SMTP 465 AUTH OAUTHBEARER + message" "${CURL[@]}" "${SMTPC[@]}" --oauth2-bearer "$AT2" smtps://smtp.oauth.example:465
check "SMTP with a bad token fails" bash -c '! "$@"' _ "${CURL[@]}" "${SMTPC[@]}" --oauth2-bearer "not-a-token" smtps://smtp.oauth.example:465

check "JMAP session with Bearer: 200, username" bash -c '"$@" | grep -qF "\"username\": \"'"$USER_"'\""' _ \
    "${CURL[@]}" -f -H "Authorization: Bearer $AT2" "$PACC_OAUTH_JMAP_URL"
H=$("${CURL[@]}" -o /dev/null -D - "$PACC_OAUTH_JMAP_URL")
check "JMAP session without a token: 401 + WWW-Authenticate: Bearer" bash -c 'grep -q "^HTTP/[0-9.]* 401" <<< "$1" && grep -qi "^www-authenticate: Bearer" <<< "$1"' _ "$H"
H=$("${CURL[@]}" -o /dev/null -D - -H "Authorization: Bearer nope" "$PACC_OAUTH_JMAP_URL")
check "JMAP session with a bad token: 401 error=invalid_token" grep -qi 'invalid_token' <<< "$H"
check "CalDAV PROPFIND with Bearer: 207" test "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' -H "Authorization: Bearer $AT2" "$PACC_OAUTH_CALDAV_URL")" = 207
check "CardDAV PROPFIND with Bearer: 207" test "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' -H "Authorization: Bearer $AT2" "$PACC_OAUTH_CARDDAV_URL")" = 207

# ------------------------------------------------------------------ the lying AS
L=https://$LIAR
MD=$("${CURL[@]}" "$L/.well-known/oauth-authorization-server/issuer-mismatch")
check "liar issuer-mismatch: metadata issuer differs from https://$LIAR/issuer-mismatch" \
    test "$(jget issuer <<< "$MD")" != "$L/issuer-mismatch" -a -n "$(jget issuer <<< "$MD")"
check "liar no-s256: only plain" test "$("${CURL[@]}" "$L/no-s256/.well-known/openid-configuration" | jget code_challenge_methods_supported)" = '["plain"]'
check "liar redirect-metadata: 302" test "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$L/.well-known/oauth-authorization-server/redirect-metadata")" = 302
code=$(register "$L/reg-refused/register" http://127.0.0.1:1/cb "$SCOPE")
check "liar reg-refused: registration 400 invalid_client_metadata" test "$code-$(jget error < "$T/reg.json")" = "400-invalid_client_metadata"
check "liar no-registration: no registration_endpoint" bash -c '! "$@" | grep -q registration_endpoint' _ "${CURL[@]}" "$L/.well-known/oauth-authorization-server/no-registration"

# good mode end to end: its token logs in to the OAuth Dovecot through the door
listener
RURI=http://127.0.0.1:$PORT/cb
MD=$("${CURL[@]}" "$L/.well-known/oauth-authorization-server/good")
check "liar good: issuer exact, iss parameter supported" test "$(jget issuer <<< "$MD")-$(jget authorization_response_iss_parameter_supported <<< "$MD")" = "$L/good-True"
code=$(register "$L/good/register" "$RURI" "$SCOPE")
CID=$(jget client_id < "$T/reg.json" 2>/dev/null)
check "liar good: registration 201" test "$code" = 201 -a -n "$CID"
read -r VER CHAL STATE < <(pkce)
URL="$L/good/authorize?$(urlq response_type code client_id "$CID" redirect_uri "$RURI" scope "$SCOPE" state "$STATE" code_challenge "$CHAL" code_challenge_method S256)"
check "liar good: browser delivers the redirect" "$PY" "$BROWSER" --quiet "$URL"
wait "$LPID" 2>/dev/null; LPID=
GOT=$(cat "$T/got" 2>/dev/null)
check "liar good: state and iss" test "$(qparam "$GOT" state) $(qparam "$GOT" iss)" = "$STATE $L/good"
TOK=$("${CURL[@]}" -d grant_type=authorization_code -d client_id="$CID" --data-urlencode redirect_uri="$RURI" \
      --data-urlencode code="$(qparam "$GOT" code)" -d code_verifier="$VER" "$L/good/token")
LAT=$(jget access_token <<< "$TOK" 2>/dev/null); LRT=$(jget refresh_token <<< "$TOK" 2>/dev/null)
check "liar good: token + refresh token" test -n "$LAT" -a -n "$LRT"
check "liar good: IMAP login as alice@good.liar.example with its token (door -> fake AS)" \
    "${CURL[@]}" --login-options AUTH=OAUTHBEARER -u alice@good.liar.example: --oauth2-bearer "$LAT" imaps://imap.oauth.example:993/ -X NOOP
EXP=$(jget expires_in <<< "$TOK"); sleep "$((EXP + 1))"
check "liar good: expired token refused by IMAP" bash -c '! "$@"' _ \
    "${CURL[@]}" --login-options AUTH=OAUTHBEARER -u alice@good.liar.example: --oauth2-bearer "$LAT" imaps://imap.oauth.example:993/ -X NOOP
LAT2=$("${CURL[@]}" -d grant_type=refresh_token -d client_id="$CID" --data-urlencode refresh_token="$LRT" "$L/good/token" | jget access_token 2>/dev/null)
check "liar good: refreshed token logs in again" \
    "${CURL[@]}" --login-options AUTH=OAUTHBEARER -u alice@good.liar.example: --oauth2-bearer "$LAT2" imaps://imap.oauth.example:993/ -X NOOP

# wrong-state: the redirect carries another state
listener
RURI=http://127.0.0.1:$PORT/cb
register "$L/wrong-state/register" "$RURI" "$SCOPE" >/dev/null
CID=$(jget client_id < "$T/reg.json" 2>/dev/null)
read -r VER CHAL STATE < <(pkce)
"$PY" "$BROWSER" --quiet "$L/wrong-state/authorize?$(urlq response_type code client_id "$CID" redirect_uri "$RURI" scope "$SCOPE" state "$STATE" code_challenge "$CHAL" code_challenge_method S256)" >/dev/null
wait "$LPID" 2>/dev/null; LPID=
GOT=$(cat "$T/got" 2>/dev/null)
check "liar wrong-state: redirect state differs" test -n "$(qparam "$GOT" state)" -a "$(qparam "$GOT" state)" != "$STATE"

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
