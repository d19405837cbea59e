#!/bin/sh
# plexm8-sync preinstall (deb preinst, rpm %pre).
# Creates the plexm8 system user and group before the files are unpacked, so
# that /etc/plexm8/config.yaml arrives group-owned by plexm8 (mode 0640).
#   deb: $1 = install | upgrade | abort-upgrade
#   rpm: $1 = 1 (install) | 2 (upgrade)
# DPKG_ROOT is set by `dpkg --root DIR --force-script-chrootless` (a throwaway
# root, as in packaging/package_test.go); it is empty on a normal install.
set -e

root="${DPKG_ROOT:-}"
user=plexm8
home=/var/lib/plexm8

# exists DB NAME: whether NAME is in the passwd or group database.
exists() {
	if [ -z "$root" ] && command -v getent >/dev/null 2>&1; then
		getent "$1" "$2" >/dev/null
	else
		grep -q "^$2:" "$root/etc/$1" 2>/dev/null
	fi
}

# shadow CMD ARGS...: groupadd/useradd on this system or inside $root.
shadow() {
	cmd=$1
	shift
	if [ -n "$root" ]; then
		"$cmd" --prefix "$root" "$@"
	else
		"$cmd" "$@"
	fi
}

nologin=/usr/sbin/nologin
if [ ! -x "$nologin" ] && [ -x /sbin/nologin ]; then
	nologin=/sbin/nologin
fi

if ! exists group "$user"; then
	shadow groupadd --system "$user"
fi
if ! exists passwd "$user"; then
	shadow useradd --system --gid "$user" --home-dir "$home" --no-create-home \
		--shell "$nologin" --comment "PlexM8 sync" "$user"
fi
exit 0
