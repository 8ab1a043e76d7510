#!/bin/bash
# The Debian packages (with their versions) that hold the shared libraries BIN needs itself
# (its DT_NEEDED, not theirs): the Depends of vnetlat's .deb, as dpkg-shlibdeps gives them
# from a source package.
set -euo pipefail
bin=$1
deps=("libc6")
for name in $(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}'); do
	lib=$(ldd "$bin" | awk -v n="$name" '$1 == n {print $3}')
	[[ -n $lib ]] || continue
	# "libbpf1:amd64: /usr/lib/...": with another architecture's libraries installed beside
	# (multiarch, make cross), the version is asked of this one's package alone
	owner=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d' ' -f1) || continue
	owner=${owner%:}
	pkg=${owner%%:*}
	[[ -n $pkg && $pkg != libc6 ]] || continue
	deps+=("$pkg (>= $(dpkg-query -W -f='${Version}' "$owner" | sed 's/-[^-]*$//'))")
done
printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g'
