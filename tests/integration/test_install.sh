#!/usr/bin/env bash
# `meson install` works; pacc.pc is usable; the library exports pacc_* and
# nothing else (hidden visibility + version script).
# usage: test_install.sh BUILD_DIR
set -euo pipefail
build=$1
dest=$(mktemp -d "${TMPDIR:-/tmp}/pacc-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions |
	/usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
pc=$(find "$dest" -name pacc.pc | head -n1)
[[ -n $pc ]] || { echo "pacc.pc not installed"; exit 1; }
lib=$(find "$dest" -name 'libpacc.so.0*' -type f | head -n1)
[[ -n $lib ]] || { echo "libpacc.so not installed"; exit 1; }
[[ -f $dest$prefix/include/pacc/pacc.h ]] || { echo "headers not installed"; exit 1; }
for a in glib libuv; do
	[[ -f $dest$prefix/include/pacc/adapters/$a.h ]] ||
		{ echo "adapter header pacc/adapters/$a.h not installed"; exit 1; }
done
[[ -n $(find "$dest" -name pacc.1) ]] || { echo "pacc.1 not installed"; exit 1; }
for page in libpacc.3 pacc_ctx_new.3 pacc_server_port.3; do
	[[ -n $(find "$dest" -path "*/man3/$page") ]] || { echo "man3/$page not installed"; exit 1; }
done
[[ -z $(find "$dest" -path '*/man3/README.md') ]] || { echo "man3/README.md installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$dest
cat > "$dest/user.c" <<'C'
#include <pacc/pacc.h>
#include <stdio.h>
#include <string.h>
int
main(void)
{
	pacc_ctx *ctx = NULL;
	if (strcmp(pacc_version(), PACC_VERSION_STRING) != 0)
		return 1;
	if (pacc_ctx_new(&ctx) != PACC_OK)
		return 1;
	pacc_ctx_free(ctx);
	puts(pacc_strerror(PACC_EADDRESS));
	return 0;
}
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$dest/user" "$dest/user.c" $(pkg-config --cflags --libs pacc)
LD_LIBRARY_PATH=$(dirname "$lib") "$dest/user" >/dev/null
# the event-loop adapters as an application gets them: the installed
# <pacc/adapters/*.h>, pkg-config flags, strict C11 (examples/*-discover.c;
# run without arguments they only print their usage, exit 2)
src=$(cd "$(dirname "$0")/../.." && pwd)
for ex in glib-discover:glib-2.0 uv-discover:libuv; do
	name=${ex%%:*} mod=${ex##*:}
	pkg-config --exists "$mod" || continue
	# the loop library is the system's: no sysroot for its flags
	# shellcheck disable=SC2046
	cc -std=c11 -pedantic -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
		-I"$src/examples" -o "$dest/$name" "$src/examples/$name.c" \
		$(pkg-config --cflags --libs pacc) \
		$(PKG_CONFIG_SYSROOT_DIR='' pkg-config --cflags --libs "$mod") ||
		{ echo "$name does not build against the installed headers"; exit 1; }
	rc=0
	LD_LIBRARY_PATH=$(dirname "$lib") "$dest/$name" 2>/dev/null || rc=$?
	[[ $rc == 2 ]] || { echo "$name: exit $rc, expected 2 (usage)"; exit 1; }
done
bad=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | grep -v '^pacc_[a-z]' || true)
if [[ -n $bad ]]; then
	echo "symbols exported beyond the public API:"; echo "$bad"; exit 1
fi
if nm -D --defined-only "$lib" | awk '{print $3}' | grep -q '^pacc__'; then
	echo "internal pacc__ symbols are exported"; exit 1
fi
echo "ok: installed, pkg-config works, $(nm -D --defined-only "$lib" | grep -c ' T ') public functions"
