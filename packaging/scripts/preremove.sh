#!/bin/sh
# plexm8-sync preremove (deb prerm, rpm %preun).
# Stops and disables the service when the package goes away; an upgrade
# leaves it running (postinstall restarts it on the new binary).
#   deb: $1 = remove | upgrade | deconfigure | failed-upgrade
#   rpm: $1 = 0 (erase) | 1 (upgrade)
set -e

case "$1" in
remove | deconfigure | 0)
	if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
		systemctl disable --now plexm8-sync.service >/dev/null 2>&1 || true
	fi
	;;
esac
exit 0
