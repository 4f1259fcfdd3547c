#!/bin/sh
# Rebuilds the Debian layer fixtures from real Debian 12 packages with dpkg
# itself (no Docker engine): layer0 is base-files and netbase installed into
# an empty root; layer1 adds ca-certificates on top (unpacked: its postinst
# cannot run outside a chroot, so dpkg records it as "unpacked", a real
# state). Each layer is a plain tar of the files that step added or changed.
# Needs network access to a Debian mirror; the outputs are committed.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download base-files netbase ca-certificates >/dev/null
for r in r0 r1; do
	mkdir -p $r/var/lib/dpkg/info $r/var/lib/dpkg/updates $r/var/lib/dpkg/triggers
	touch $r/var/lib/dpkg/status
done
dpkg_in() { root=$1; shift; dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root "$@" >/dev/null 2>&1 || true; }
dpkg_in r0 -i base-files_*.deb netbase_*.deb
cp -a r0/. r1/
dpkg_in r1 --unpack ca-certificates_*.deb
rm -rf r0/var/lib/dpkg/*-old r1/var/lib/dpkg/*-old
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C r0 -czf "$out/layer0.tar.gz" .
# layer1: only what changed between r0 and r1.
(cd r1 && find . ! -type d | sort) | while read -r f; do
	if [ ! -e "r0/$f" ] && [ ! -L "r0/$f" ] || ! cmp -s "r0/$f" "r1/$f"; then echo "$f"; fi
done >changed
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C r1 -czf "$out/layer1.tar.gz" -T changed
dpkg-query --root=r1 -W -f '${Package} ${Version} ${Architecture} ${db:Status-Status}\n' | sort >"$out/layer1.dpkg-query.txt"
ls *.deb >"$out/packages.txt"
