# shellcheck shell=sh
set -eu
say() { printf '%s\n' "$*"; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# The compressor: zstd (multi-threaded) when present, else pigz (parallel gzip), else gzip.
pick_compressor() {
  case "${COMPRESSION:-auto}" in
    auto) if command -v zstd >/dev/null 2>&1; then COMP=zstd; elif command -v pigz >/dev/null 2>&1; then COMP=pigz; else COMP=gzip; fi ;;
    zstd|pigz|gzip) COMP=$COMPRESSION ;;
    *) say "ERROR unknown compression $COMPRESSION"; exit 1 ;;
  esac
  # shellcheck disable=SC2034 # EXT is read by the scripts that follow this prelude
  case "$COMP" in zstd) EXT=zst ;; *) EXT=gz ;; esac
}
compress() {
  case "$COMP" in
    zstd) zstd -q -T0 -"${ZSTD_LEVEL:-3}" -c ;;
    pigz) pigz -c -"${GZIP_LEVEL:-6}" ;;
    gzip) gzip -c -"${GZIP_LEVEL:-6}" ;;
  esac
}
decompress_file() {
  case "$1" in
    *.zst) zstd -q -dc -- "$1" ;;
    *.gz) if command -v pigz >/dev/null 2>&1; then pigz -dc -- "$1"; else gzip -dc -- "$1"; fi ;;
    *) say "ERROR unknown compression of $1"; return 1 ;;
  esac
}
test_compressed() {
  case "$1" in
    *.zst) zstd -q -t -- "$1" 2>/dev/null ;;
    *.gz) gzip -t -- "$1" 2>/dev/null ;;
    *) return 1 ;;
  esac
}
# The one file of a set with the given stem (db.dump -> db.dump.zst or db.dump.gz).
set_file() {
  for f in "$1/$2".zst "$1/$2".gz; do if [ -f "$f" ]; then printf '%s\n' "$f"; return 0; fi; done
  return 1
}
bytes_of() { du -sb "$1" 2>/dev/null | cut -f1 || echo $(( $(du -sk "$1" | cut -f1) * 1024 )); }
# The size of a set: the bytes of the files in its folder (what it takes on the backups volume, without
# the file system's block rounding). The one figure backup, backups and status print.
set_bytes() {
  n=0
  for f in "$1"/* "$1"/.[!.]*; do
    [ -f "$f" ] || continue
    n=$((n + $(stat -c %s -- "$f" 2>/dev/null || wc -c < "$f")))
  done
  printf '%s\n' "$n"
}
# GNU tar reports progress every CHECKPOINT records; other tars just work without it.
tar_progress() {
  if tar --version 2>/dev/null | grep -q GNU; then
    printf '%s\n' "--checkpoint=${CHECKPOINT:-1000}" "--checkpoint-action=echo=PROGRESS:$1:%u"
  fi
}
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "${MAINTENANCE_DB:-postgres}" "$@" -f -; }
# sha256 of stdin, as bare hex. OpenSSL's (and Python's hashlib, which is OpenSSL's) use the CPU's SHA
# instructions and run several times faster than coreutils' sha256sum; all give the same digest. The
# Odoo images have openssl (ca-certificates needs it) and python3.
sha256_hex() {
  [ -n "${SHA_TOOL:-}" ] || pick_sha_tool
  case "$SHA_TOOL" in
    openssl) openssl dgst -sha256 -r | cut -d' ' -f1 ;;
    python3) python3 -c 'import hashlib, sys
h = hashlib.sha256()
for b in iter(lambda: sys.stdin.buffer.read(1 << 20), b""): h.update(b)
print(h.hexdigest())' ;;
    *) sha256sum | cut -d' ' -f1 ;;
  esac
}
# The fast tool only once it gave the right digest of a known input.
pick_sha_tool() {
  abc=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  if command -v openssl >/dev/null 2>&1 && [ "$(printf abc | openssl dgst -sha256 -r 2>/dev/null | cut -d' ' -f1)" = "$abc" ]; then SHA_TOOL=openssl
  elif command -v python3 >/dev/null 2>&1 && [ "$(printf abc | python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())' 2>/dev/null)" = "$abc" ]; then SHA_TOOL=python3
  else SHA_TOOL=sha256sum
  fi
}
# sha256 of a file by sha256sum alone: the second opinion before a file is called damaged, and the
# fallback when the fast tool printed no digest.
sha256_file() { sha256sum < "$1" | cut -d' ' -f1; }
is_sha256() { case "$1" in *[!0-9a-f]*) return 1 ;; esac; [ "${#1}" = 64 ]; }
# Flushes the filesystem holding $1 to disk (syncfs: one call, no per-file fsync storm).
flush_fs() { sync -f "$1" 2>/dev/null || sync; }
# A test hook: with PAUSE_AT=<point> the script waits at that point for as long as PAUSE_FILE exists,
# so a test can interrupt it at an exact step. Unset in every Job the plugin makes for users.
point() {
  if [ -n "${PAUSE_AT:-}" ] && [ "$PAUSE_AT" = "$1" ]; then
    say "PAUSED $1"
    while [ -e "${PAUSE_FILE:-/nonexistent}" ]; do sleep 0.1; done
  fi
}
phase() { say "PHASE $1"; point "$1"; }
# Free bytes on the file system holding $1 (POSIX df: 1024-byte blocks).
free_bytes() { df -Pk "$1" 2>/dev/null | awk 'NR == 2 { printf "%.0f\n", $4 * 1024 }'; }
# 1.5Gi, 512Mi, 12Ki, 100B: the sizes the plugin prints.
human() { awk -v b="$1" 'BEGIN { split("B Ki Mi Gi Ti Pi", u, " "); i = 1; while (b >= 1024 && i < 6) { b /= 1024; i++ }; if (i == 1) printf "%dB\n", b; else { s = sprintf("%.1f", b); sub(/\.0$/, "", s); printf "%s%s\n", s, u[i] } }'; }
# fsync of one file (coreutils and busybox sync take files); the whole system's sync where they do not.
sync_file() {
  if [ -z "${SYNC_FILES:-}" ]; then
    SYNC_FILES=0
    p="${WORK:-/tmp}/.sync-probe.$$"
    if : > "$p" 2>/dev/null && sync -- "$p" 2>/dev/null; then SYNC_FILES=1; fi
    rm -f "$p"
  fi
  if [ "$SYNC_FILES" = 1 ]; then sync -- "$@"; else sync; fi
}
# The bytes of a file as they are on the disk, not in the page cache, where O_DIRECT works (it does on
# ext4, XFS and CephFS); a plain read elsewhere.
read_back() {
  if dd if="$1" of=/dev/null iflag=direct bs=4M count=1 status=none 2>/dev/null; then
    dd if="$1" iflag=direct bs=4M status=none
  else
    cat -- "$1"
  fi
}
size_of() { stat -c %s -- "$1" 2>/dev/null || wc -c < "$1" | tr -d ' '; }
# shellcheck disable=SC2034 # NL is read by the scripts that follow this prelude
NL='
'
