#!/usr/bin/env bash
# Debian packages the real-part tests use. Installed only when missing, and only as root.
set -euo pipefail
need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql)
command -v pvcreate >/dev/null 2>&1 || [ -x /usr/sbin/pvcreate ] || need+=(lvm2)
command -v mkfs.ext4 >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.ext4 ] || need+=(e2fsprogs)
command -v sgdisk >/dev/null 2>&1 || need+=(gdisk)
command -v cryptsetup >/dev/null 2>&1 || [ -x /usr/sbin/cryptsetup ] || need+=(cryptsetup-bin)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v pigz >/dev/null 2>&1 || need+=(pigz)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
command -v rclone >/dev/null 2>&1 || need+=(rclone) # off-site copies (backups sync) and their WebDAV test target
[ -x /usr/bin/python3 ] || need+=(python3) # the test cluster's exec -t terminal
command -v zip >/dev/null 2>&1 || need+=(zip unzip)
command -v unzip >/dev/null 2>&1 || need+=(unzip) # the support bundle tests extract what report wrote
# The readiness oracle: Debian's ceph-volume (16.2) needs udevadm; the device states need these tools.
[ -x /usr/sbin/ceph-volume ] || need+=(ceph-osd)
command -v udevadm >/dev/null 2>&1 || [ -x /usr/bin/udevadm ] || need+=(udev)
command -v parted >/dev/null 2>&1 || [ -x /usr/sbin/parted ] || need+=(parted)
command -v mkfs.xfs >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.xfs ] || need+=(xfsprogs)
command -v mkfs.vfat >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.vfat ] || need+=(dosfstools)
command -v perl >/dev/null 2>&1 || need+=(perl-base)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck) # the shell programs are linted in the suite
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing test dependencies: ${need[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing test dependencies (${need[*]}); the tests that need them will fail under CI=true" >&2
  fi
fi
