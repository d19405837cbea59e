#!/bin/sh
# plexm8-sync postinstall (deb postinst, rpm %post).
# Prepares /var/lib/plexm8 for the service user and says how to sign in. It
# never starts or enables the service: without a sign-in there is nothing
# to sync, so the person installing does that once they have signed in.
#   deb: $1 = configure, $2 = the version configured before ("" on first install)
#   rpm: $1 = 1 (install) | 2 (upgrade)
# DPKG_ROOT: see preinstall.sh.
set -e

root="${DPKG_ROOT:-}"
user=plexm8
state=/var/lib/plexm8
conf=/etc/plexm8/config.yaml
unit=plexm8-sync.service

first=no
case "$1" in
configure) [ -n "$2" ] || first=yes ;;
1) first=yes ;;
abort-*) exit 0 ;;
esac

# field DB NAME N: field N of NAME's passwd/group entry; numeric ids work
# inside a throwaway root whose users the host does not know.
field() {
	if [ -z "$root" ] && command -v getent >/dev/null 2>&1; then
		getent "$1" "$2" | cut -d: -f"$3"
	else
		grep "^$2:" "$root/etc/$1" | cut -d: -f"$3"
	fi
}
uid=$(field passwd "$user" 3)
gid=$(field group "$user" 3)
if [ -z "$uid" ] || [ -z "$gid" ]; then
	echo "plexm8-sync: the $user user or group is missing; reinstall the package" >&2
	exit 1
fi

# The state directory exists before the first start so that `login`, run
# as the service user, can write the credentials there. systemd's
# StateDirectory= then keeps its owner and mode right.
if [ ! -d "$root$state" ]; then
	install -d -m 0700 "$root$state"
	chown "$uid:$gid" "$root$state"
fi

# dpkg and rpm give the config its group by name; where the name could not
# be resolved (an unusual root), set it here, on first install only, so a
# mode the administrator chose later is never undone.
if [ "$first" = yes ] && [ -f "$root$conf" ]; then
	chown "0:$gid" "$root$conf"
	chmod 0640 "$root$conf"
fi

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	# An upgrade restarts a service that was running, so the new binary
	# takes over; a stopped service stays stopped.
	[ "$first" = yes ] || systemctl try-restart "$unit" >/dev/null 2>&1 || true
fi

if [ ! -f "$root$state/credentials.json" ]; then
	cat <<'MSG'

PlexM8 sync is installed. The service is not started: sign in first.
  1. Sign in as the service user (prints a link to approve in a browser):
       sudo -u plexm8 plexm8-sync --config /etc/plexm8/config.yaml login
  2. Start the service, now and at every boot:
       sudo systemctl enable --now plexm8-sync.service
Config: /etc/plexm8/config.yaml   Database, credentials, backups: /var/lib/plexm8
Check the config: sudo -u plexm8 plexm8-sync --config /etc/plexm8/config.yaml config check

MSG
fi
exit 0
