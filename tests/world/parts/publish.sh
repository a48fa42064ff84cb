# tests/world/parts/publish.sh — zones for `pacc publish` round trips (issue 6, items 1-2).
# Sourced by tests/world/world (see its "parts" section); uses its helpers and variables.
#
# publish.example, publishstale.example: unsigned zones whose document host
# ua-auto-config.<zone> is served by the main nginx ($WEB_IP, root www/$host) but whose
# _ua-auto-config TXT record does NOT exist at start: tests/integration/test_publish_world.py
# writes the document, runs `pacc publish --domain <zone> FILE` and loads the printed zone
# line at test time through Knot's control socket (knotc zone-begin/zone-set/zone-commit;
# the zones are unsigned so that a record added at run time needs no signature, and
# journal-content none keeps the change in memory only). publishstale.example's file is then
# changed after publishing: discovery must report digest-mismatch.
# Nothing here queries _ua-auto-config.<zone> before the test loads it (Unbound's negative
# cache; the world caps it at 1 s anyway).

PUBLISH_ZONES=(publish.example publishstale.example)

part_publish_www() {
    local z
    for z in "${PUBLISH_ZONES[@]}"; do
        # a valid document to start from; the test rewrites it before publishing
        std_doc "$z" "Publish Example" Publish | write_doc "ua-auto-config.$z"
    done
}

part_publish_zones() {
    local z
    for z in "${PUBLISH_ZONES[@]}"; do
        zbegin "$z"
        rr "ua-auto-config A $WEB_IP"
        svc_hosts imap smtp jmap dav auth
        ALL_ZONES+=("$z")
        UNSIGNED_ZONES+=("$z")
        WEB_NAMES+=("ua-auto-config.$z")
    done
}

part_publish_env() {
    local IFS=,
    printf 'PACC_PUBLISH_ZONES=%s\n' "${PUBLISH_ZONES[*]}"
}
