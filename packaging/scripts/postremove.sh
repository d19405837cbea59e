#!/bin/sh
# plexm8-sync postremove (deb postrm, rpm %postun).
# Never deletes the database, the credentials or the backups: they are the
# user's data, and a reinstall picks them up again. It says where they are.
#   deb: $1 = remove | purge | upgrade | failed-upgrade | abort-install | ...
#   rpm: $1 = 0 (erase) | 1 (upgrade)
set -e

root="${DPKG_ROOT:-}"
state=/var/lib/plexm8

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi

case "$1" in
remove)
	if [ -d "$root$state" ]; then
		cat <<MSG
plexm8-sync removed. Kept: $state (the database plexm8.db, credentials.json,
backups/) and the plexm8 user; the config /etc/plexm8/config.yaml is kept too
until you purge the package (apt purge plexm8-sync). To delete your data:
  sudo rm -rf $state && sudo userdel plexm8
MSG
	fi
	;;
0)
	if [ -d "$root$state" ]; then
		cat <<MSG
plexm8-sync removed. Kept: $state (the database plexm8.db, credentials.json,
backups/) and the plexm8 user; a config you had changed is saved as
/etc/plexm8/config.yaml.rpmsave. To delete your data:
  sudo rm -rf $state && sudo userdel plexm8
MSG
	fi
	;;
purge)
	# dpkg has removed the conffile; the directory goes when it is empty.
	rmdir "$root/etc/plexm8" 2>/dev/null || true
	if [ -d "$root$state" ]; then
		cat <<MSG
plexm8-sync purged. Your database, credentials and backups are still in
$state, owned by the plexm8 user, which is kept for them. To delete them:
  sudo rm -rf $state && sudo userdel plexm8
MSG
	fi
	;;
esac
exit 0
