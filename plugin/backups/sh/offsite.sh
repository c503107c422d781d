# shellcheck shell=sh
# Off-site copies with rclone. Env: MODE (sync|list|fetch|inventory|prune), BACKUP_ROOT, REMOTE
# (remote:path, from the Secret), RCLONE_SOURCE_CONFIG (the Secret's rclone.conf, read-only), SETS (sync,
# fetch: one set path active/<customer>/<instance>/<timestamp> a line; prune: "<set> <guard>" a line),
# CUSTOMER_GLOB and INSTANCE_GLOB (inventory: a name or *).
#
# A set on the remote is whole only when its manifest.json is there: sync copies the other files first,
# reads every one back from the remote (rclone hashsum --download) and compares it with SHA256SUMS, and
# writes the manifest last. A copy cut short leaves no manifest, and the next sync copies what is missing
# or differs (rclone compares sizes and times) and verifies all of it again.
if [ ! -f "$RCLONE_SOURCE_CONFIG" ] || [ -z "${REMOTE:-}" ]; then
  say "ERROR off-site copies need the Secret $OFFSITE_SECRET in this namespace with the keys rclone.conf and remote"
  exit 1
fi
conf=$(mktemp)
sums=$(mktemp)
errs=$(mktemp)
trap 'rm -f "$conf" "$sums" "$errs"' EXIT
# rclone may rewrite its config (refreshed tokens): it gets a private copy of the Secret's.
cp -- "$RCLONE_SOURCE_CONFIG" "$conf"
# rclone's own messages go to a file: the last one says why a step failed (why), the rest stays quiet.
rc() { rclone --config "$conf" --retries 3 --low-level-retries 3 "$@" 2>"$errs"; }
why() { tail -n 1 "$errs" | sed 's/^[0-9/]* [0-9:]* //'; }
check_path() {
  case "$1" in /*|*..*|*//*) say "ERROR refusing path $1"; exit 1 ;; esac
  case "$1" in active/*/*/*) ;; *) say "ERROR refusing path $1"; exit 1 ;; esac
}
# Each line of a set's SHA256SUMS checked against what the remote gives back for that file.
verify_remote() {
  rc hashsum sha256 --download "$REMOTE/$1" > "$sums" || { say "ERROR could not read $1 back from the remote: $(why)"; return 1; }
  while read -r want name; do
    name=${name#\*}
    got=$(awk -v n="$name" '{ h = $1; sub(/^[^ ]+  /, ""); if ($0 == n) print h }' "$sums")
    if [ "$got" != "$want" ]; then
      say "ERROR $1/$name on the remote does not match its checksum (${got:-missing}, expected $want)"
      # Gone, so the next sync copies it again whatever its size and time say.
      rc deletefile "$REMOTE/$1/$name" >/dev/null 2>&1 || true
      return 1
    fi
  done < "$BACKUP_ROOT/$1/SHA256SUMS"
}
case "$MODE" in
  sync)
    printf '%s\n' "$SETS" | while IFS= read -r p; do
      [ -n "$p" ] || continue
      check_path "$p"
      src="$BACKUP_ROOT/$p"
      if [ ! -f "$src/manifest.json" ] || [ ! -f "$src/SHA256SUMS" ]; then say "ERROR $p is not a complete set"; exit 1; fi
      if [ -n "$(rc lsf "$REMOTE/$p" --include manifest.json 2>/dev/null)" ]; then say "PRESENT $p"; continue; fi
      # The set is read back here first: a damaged set is never copied off-site.
      (cd -- "$src" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1 || { say "ERROR $p does not match its checksums on the backups volume"; exit 1; }
      say "PHASE copy $p"
      rc copy "$src" "$REMOTE/$p" --exclude manifest.json --exclude PINNED || { say "ERROR copying $p to the remote failed: $(why)"; exit 1; }
      point copied
      say "PHASE verify $p"
      verify_remote "$p" || exit 1
      rc copyto "$src/manifest.json" "$REMOTE/$p/manifest.json" || { say "ERROR writing the manifest of $p to the remote failed: $(why)"; exit 1; }
      want=$(sha256_file "$src/manifest.json")
      got=$(rc hashsum sha256 --download "$REMOTE/$p" --include manifest.json | cut -d' ' -f1)
      [ "$got" = "$want" ] || { rc deletefile "$REMOTE/$p/manifest.json" >/dev/null 2>&1 || true; say "ERROR the manifest of $p on the remote does not match"; exit 1; }
      say "SYNCED $p"
    done
    ;;
  list)
    # One line a file: FILE <size> <path>; an empty remote lists nothing.
    rc lsf -R --files-only --format sp --separator ' ' "$REMOTE/active" 2>/dev/null | while IFS= read -r line; do
      say "FILE ${line%% *} active/${line#* }"
    done
    ;;
  fetch)
    printf '%s\n' "$SETS" | while IFS= read -r p; do
      [ -n "$p" ] || continue
      check_path "$p"
      leaf=${p##*/}
      final="$BACKUP_ROOT/$p"
      if [ -f "$final/manifest.json" ]; then say "PRESENT $p"; continue; fi
      [ -n "$(rc lsf "$REMOTE/$p" --include manifest.json 2>/dev/null)" ] || { say "ERROR $p is not a whole set on the remote (no manifest: its copy was cut short)"; exit 1; }
      part="$BACKUP_ROOT/${p%/*}/.partial-$leaf"
      mkdir -p -- "$part"
      say "PHASE fetch $p"
      rc copy "$REMOTE/$p" "$part" || { say "ERROR fetching $p from the remote failed: $(why)"; exit 1; }
      (cd -- "$part" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1 || { rm -rf -- "$part"; say "ERROR $p from the remote does not match its checksums"; exit 1; }
      flush_fs "$part"
      mv -- "$part" "$final"
      say "FETCHED $p"
    done
    ;;
  inventory)
    # The remote's sets in the list Job's own format (SET, MANIFEST, FILE lines), so they are judged by
    # the same rules as the sets on the backups volume. A set counts as pinned when it is pinned on the
    # backups volume or has a PINNED file on the remote.
    for g in "$CUSTOMER_GLOB" "$INSTANCE_GLOB"; do
      case "$g" in ''|*[!A-Za-z0-9_.*-]*|.*) say "ERROR invalid name pattern"; exit 1 ;; esac
    done
    rc lsf -R --files-only --format sp --separator ' ' --include "/$CUSTOMER_GLOB/$INSTANCE_GLOB/*/*" "$REMOTE/active" > "$sums" 2>/dev/null || :
    awk -v OFS='\t' '
      { size = $1; sub(/^[^ ]+ /, ""); n = split($0, part, "/"); if (n != 4) next
        d = "active/" part[1] "/" part[2] "/" part[3]
        if (!(d in bytes)) { order[++count] = d; bytes[d] = 0 }
        bytes[d] += size
        if (part[4] == "manifest.json") m[d] = 1
        if (part[4] == "PINNED") p[d] = 1
        print "FILE", d, part[4], size }
      END { for (i = 1; i <= count; i++) { d = order[i]; print "SET", d, bytes[d], (d in m) ? 1 : 0, (d in p) ? 1 : 0 } }
    ' "$sums" | while IFS="$(printf '\t')" read -r kind d a b c; do
      if [ "$kind" = FILE ]; then printf 'FILE\t%s\t%s\t%s\n' "$d" "$a" "$b"; continue; fi
      if [ -e "$BACKUP_ROOT/$d/PINNED" ]; then c=1; fi
      printf 'SET\t%s\t%s\t%s\t%s\n' "$d" "$a" "$b" "$c"
      if [ "$b" = 1 ]; then
        body=$(rc cat "$REMOTE/$d/manifest.json") || { say "ERROR could not read the manifest of $d on the remote: $(why)"; exit 1; }
        printf 'MANIFEST\t%s\t%s\n' "$d" "$(printf '%s' "$body" | tr -d '\n\t')"
      fi
    done
    ;;
  prune)
    # Each line: a set to delete and the newer complete set that must still be whole on the remote
    # ("-" for a copy cut short, which nothing can restore). Checked again right before each delete: a set
    # pinned meanwhile, or whose newer set is gone, is kept. The manifest goes first, so a delete cut short
    # leaves a partial copy, never one that looks whole.
    printf '%s\n' "$SETS" | while read -r p guard; do
      [ -n "$p" ] || continue
      check_path "$p"
      if [ -e "$BACKUP_ROOT/$p/PINNED" ] || [ -n "$(rc lsf "$REMOTE/$p" --include PINNED 2>/dev/null)" ]; then say "SKIPPED $p pinned"; continue; fi
      if [ "$guard" != - ]; then
        check_path "$guard"
        [ -n "$(rc lsf "$REMOTE/$guard" --include manifest.json 2>/dev/null)" ] || { say "SKIPPED $p no newer complete set on the remote"; continue; }
      fi
      [ -n "$(rc lsf "$REMOTE/$p" 2>/dev/null)" ] || { say "GONE $p"; continue; }
      rc deletefile "$REMOTE/$p/manifest.json" >/dev/null 2>&1 || :
      rc purge "$REMOTE/$p" || { say "ERROR deleting $p from the remote failed: $(why)"; exit 1; }
      say "DELETED $p"
    done
    ;;
  *) say "ERROR unknown mode $MODE"; exit 1 ;;
esac
say "DONE $MODE"
