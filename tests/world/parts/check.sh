# tests/world/parts/check.sh — domains for `pacc check` (issue 6): one deliberately
# misconfigured deployment per check that needs one, and ckgood.example where every
# check PASSes or is SKIPped.  Sourced by tests/world/world (see "parts" there).
# Domains the core world already has are reused by the tests (mismatch, wrongcert,
# tls12, redirect, big, badjson, nodigest, bogus, mxtesting, mxnotinpolicy, srvdot,
# srvoutside, achttp, ad, adredir, paccwins); see tests/world/README.md.
CHECK_ZONES=(ckgood.example cktxt.example ckwild.example cksrvport.example cksrvdot.example
    cksrvcname.example ckacplain.example ckacbad.example ckdoc.example ckprobe.example
    cknohost.example)

check_ac_bad() { # a clientConfig with a misspelled placeholder, an unknown socketType,
                 # 993 with STARTTLS and OAuth2 without an <oAuth2> block
    local d=$1
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="$d">
    <domain>$d</domain>
    <displayName>Broken Autoconfig</displayName>
    <incomingServer type="imap">
      <hostname>imap.$d</hostname>
      <port>993</port>
      <socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.$d</hostname>
      <port>465</port>
      <socketType>TLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
XML
}

check_ac_plain() { # IMAP without TLS, with a password
    local d=$1
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="$d">
    <domain>$d</domain>
    <displayName>Plaintext Autoconfig</displayName>
    <incomingServer type="imap">
      <hostname>imap.$d</hostname>
      <port>143</port>
      <socketType>plain</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.$d</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
XML
}

part_check_www() {
    local d f
    for d in ckgood cktxt ckprobe; do
        std_doc "$d.example" "${d^} Example" "${d^}" | write_doc "ua-auto-config.$d.example"
    done
    # info.provider.name of 70 bytes (at most 60 allowed)
    std_doc ckdoc.example "Check Document Example With A Provider Name Far Longer Than Allowed" \
        CkDoc | write_doc ua-auto-config.ckdoc.example
    f=$WWW/autoconfig.ckgood.example/mail/config-v1.1.xml; mkdir -p "${f%/*}"
    autoconfig_xml ckgood.example "Check Good" CkGood %EMAILADDRESS% > "$f"
    f=$WWW/autoconfig.ckacplain.example/mail/config-v1.1.xml; mkdir -p "${f%/*}"
    check_ac_plain ckacplain.example > "$f"
    f=$WWW/autoconfig.ckacbad.example/mail/config-v1.1.xml; mkdir -p "${f%/*}"
    check_ac_bad ckacbad.example > "$f"
}

part_check_zones() {
    local z
    ALL_ZONES+=("${CHECK_ZONES[@]}")
    for z in ckgood cktxt ckdoc ckprobe; do WEB_NAMES+=("ua-auto-config.$z.example"); done
    WEB_NAMES+=(mta-sts.ckgood.example mta-sts.ckwild.example)

    zbegin ckgood.example         # everything right: PACC, MTA-STS enforce, SRV, autoconfig
    pacc "" "$WEB_IP" "$(docpath ua-auto-config.ckgood.example)"
    svc_hosts imap smtp jmap dav auth mx
    web_hosts "$WEB_IP" autoconfig
    rr "@ MX 10 mx.ckgood.example."
    mta_sts ckgood.example enforce mx.ckgood.example
    rr "_imaps._tcp SRV 0 1 993 imap.ckgood.example."
    rr "_submissions._tcp SRV 0 1 465 smtp.ckgood.example."

    zbegin cktxt.example          # a v=UAAC1 record whose d= is not base64
    rr "ua-auto-config A $WEB_IP"
    rr "_ua-auto-config TXT \"v=UAAC1; a=sha256; d=not*base64*at*all\""
    svc_hosts imap smtp jmap dav auth

    zbegin ckwild.example         # "*.ckwild.example" covers one label, not mx.a.ckwild.example
    rr "@ MX 10 mx.a.ckwild.example."
    mail_hosts "$MAIL_IP" mx.a
    mta_sts ckwild.example enforce "*.ckwild.example"

    zbegin cksrvport.example      # _imaps on 143, a target without address, _smtp._tcp
    rr "_imaps._tcp SRV 0 1 143 imap.cksrvport.example."
    rr "_submissions._tcp SRV 0 1 465 missing.cksrvport.example."
    rr "_smtp._tcp SRV 0 1 25 smtp.cksrvport.example."
    svc_hosts imap smtp

    zbegin cksrvdot.example       # "." mixed with a real target in one RRset
    rr "_imaps._tcp SRV 0 0 0 ."
    rr "_imaps._tcp SRV 10 1 993 imap.cksrvdot.example."
    svc_hosts imap

    zbegin cksrvcname.example     # SRV target that is a CNAME
    rr "_imaps._tcp SRV 0 1 993 alias.cksrvcname.example."
    rr "alias CNAME imap.cksrvcname.example."
    svc_hosts imap

    zbegin ckacplain.example      # autoconfig: IMAP without TLS
    web_hosts "$WEB_IP" autoconfig
    svc_hosts imap smtp

    zbegin ckacbad.example        # autoconfig: placeholder, socketType, port/TLS, OAuth2
    web_hosts "$WEB_IP" autoconfig
    svc_hosts imap smtp

    zbegin ckdoc.example          # PACC document with a provider name over 60 bytes
    pacc "" "$WEB_IP" "$(docpath ua-auto-config.ckdoc.example)"
    svc_hosts imap smtp jmap dav auth

    zbegin cknohost.example       # a v=UAAC1 record, but no ua-auto-config host at all
    rr "_ua-auto-config TXT $(txt256 "$(docpath ua-auto-config.ckgood.example)")"

    zbegin ckprobe.example        # PACC imap host on the STARTTLS-only listener (993 refused)
    pacc "" "$WEB_IP" "$(docpath ua-auto-config.ckprobe.example)"
    mail_hosts "$STARTTLS_IP" imap
    svc_hosts smtp jmap dav auth
}
