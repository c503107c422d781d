# shellcheck shell=sh
psql_admin -v db="$DROP_DB" >/dev/null 2>"${TMPDIR:-/tmp}/drop-err.$$" <<'SQL' || { say "ERROR could not drop database $DROP_DB: $(head -n1 "${TMPDIR:-/tmp}/drop-err.$$")"; exit 1; }
DROP DATABASE IF EXISTS :"db";
SQL
say "DONE drop"
