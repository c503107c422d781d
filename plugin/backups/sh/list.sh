# shellcheck shell=sh
for g in "$CUSTOMER_GLOB" "$INSTANCE_GLOB"; do
  case "$g" in ''|*[!A-Za-z0-9_.*-]*|.*) say "ERROR invalid name pattern"; exit 1 ;; esac
done
cd "$BACKUP_ROOT"
# shellcheck disable=SC2231 # the patterns are globs, checked above to hold only safe characters
for d in active/$CUSTOMER_GLOB/$INSTANCE_GLOB/* active/$CUSTOMER_GLOB/$INSTANCE_GLOB/.partial-*; do
  [ -d "$d" ] || continue
  m=0; [ -f "$d/manifest.json" ] && m=1
  p=0; [ -e "$d/PINNED" ] && p=1
  printf 'SET\t%s\t%s\t%s\t%s\n' "$d" "$(set_bytes "$d")" "$m" "$p"
  if [ "$m" = 1 ]; then printf 'MANIFEST\t%s\t' "$d"; tr -d '\n\t' < "$d/manifest.json"; printf '\n'; fi
  if [ -f "$d/FAILED" ]; then printf 'FAILED\t%s\t' "$d"; head -n1 "$d/FAILED" | tr -d '\t\n'; printf '\n'; fi
  for f in "$d"/*; do [ -f "$f" ] && printf 'FILE\t%s\t%s\t%s\n' "$d" "${f##*/}" "$(size_of "$f")"; done
done
# shellcheck disable=SC2231 # the patterns are globs, checked above to hold only safe characters
for f in active/$CUSTOMER_GLOB/*.tar.gz active/$CUSTOMER_GLOB/*.tgz; do
  # shellcheck disable=SC2015 # both tests must hold, else skip
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  case "$f" in *[!A-Za-z0-9_./-]*) continue ;; esac
  printf 'ARCHIVE\t%s\t%s\t%s\n' "$f" "$(stat -c %s -- "$f" 2>/dev/null || wc -c < "$f")" "$(stat -c %Y -- "$f" 2>/dev/null || date -r "$f" +%s)"
done
say "DONE list"
