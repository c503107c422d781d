# shellcheck shell=sh
printf '%s\n' "$SETS" | while IFS= read -r p; do
  [ -n "$p" ] || continue
  case "$p" in /*|*..*|*//*) say "ERROR refusing path $p"; exit 1 ;; esac
  d="$BACKUP_ROOT/$p"
  # A platform archive: a file active/<customer>/<name>.tar.gz|.tgz, deleted only by a prune that includes them.
  case "$p" in
    active/*/*.tar.gz|active/*/*.tgz)
      case "${p#active/*/}" in */*) ;; *)
        [ "$OP" = delete ] || { say "ERROR $p is a platform archive: it cannot be pinned"; exit 1; }
        # shellcheck disable=SC2015 # both tests must hold, else it is gone
        [ -f "$d" ] && [ ! -L "$d" ] || { say "GONE $p"; continue; }
        gone="$BACKUP_ROOT/${p%/*}/.deleting-${p##*/}"
        mv -- "$d" "$gone" && rm -f -- "$gone" && say "DELETED $p"
        continue ;;
      esac ;;
  esac
  case "$p" in active/*/*/*) ;; *) say "ERROR refusing path $p"; exit 1 ;; esac
  case "$OP" in
    delete)
      [ -d "$d" ] || { say "GONE $p"; continue; }
      if [ -e "$d/PINNED" ]; then say "SKIPPED $p pinned"; continue; fi
      leaf=${p##*/}; leaf=${leaf#.partial-}
      gone="$BACKUP_ROOT/${p%/*}/.deleting-$leaf"
      mv -- "$d" "$gone" && rm -rf -- "$gone" && say "DELETED $p" ;;
    pin)
      [ -f "$d/manifest.json" ] || { say "ERROR $p is not a complete backup"; exit 1; }
      : > "$d/PINNED"; say "PINNED $p" ;;
    unpin)
      [ -d "$d" ] || { say "ERROR $p does not exist"; exit 1; }
      rm -f -- "$d/PINNED"; say "UNPINNED $p" ;;
    *) say "ERROR unknown operation $OP"; exit 1 ;;
  esac
done
say "DONE $OP"
