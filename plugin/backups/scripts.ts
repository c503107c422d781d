// The shell programs the backup, restore, list, verify and set-operation Jobs run.
//
// Each script is a constant: every value (paths, names, the manifest base) reaches it through the
// environment, never by splicing text into the program, and SQL gets its identifiers through psql
// variables (:"name" / :'name'), which psql quotes. They are POSIX sh (dash, busybox) and use only what an
// Odoo image has: sh, tar, gzip, pg_dump/pg_restore/psql, sha256sum; zstd, pigz, openssl when present.
//
// Output protocol (read by the plugin from the pod log, one line each):
//   TOTAL data=<bytes> db=<bytes>     sizes to expect, for progress
//   tar: PROGRESS:data:<n>            a tar checkpoint (n * CHECKPOINT_RECORDS * 10240 bytes so far)
//   PHASE <name>                      a step starts
//   CHECK <name> ok|fail <detail>     verify results
//   ERROR <message>                   why the Job failed (also written to FAILED in a partial set)
//   MANIFEST\t<json>                  the manifest of the set just written (backup)
//   SIZE <bytes>                      the set's size on the backups volume (backup; set_bytes)
//   COMMITTED                         the restored database and files are swapped in (restore)
//   DONE <path>                       success

// The programs themselves are the .sh files in ./sh, bundled as text and checked by shellcheck.
import sh_prelude from './sh/prelude.sh';
import sh_backup from './sh/backup.sh';
import sh_swap from './sh/swap.sh';
import sh_restore from './sh/restore.sh';
import sh_recover from './sh/recover.sh';
import sh_drop_database from './sh/drop-database.sh';
import sh_restore_preflight from './sh/restore-preflight.sh';
import sh_list from './sh/list.sh';
import sh_verify from './sh/verify.sh';
import sh_set_ops from './sh/set-ops.sh';
import sh_offsite from './sh/offsite.sh';
import sh_drill from './sh/drill.sh';

/** tar records between progress lines: 1000 x 10 KiB = ~10 MB. */
export const CHECKPOINT_RECORDS = 1000;
export const TAR_RECORD_BYTES = 10240;

const PRELUDE = sh_prelude;

/**
 * Backup. Env: SRC_DIR (instance volume, read-only), BACKUP_ROOT, SET_PARENT (active/<c>/<i>), SET_NAME
 * (timestamp), MANIFEST_BASE (JSON), CONSISTENCY (stop|live), EXPORT_ODOO_ZIP (0|1), PG* (database and
 * credentials, from the instance's own env/Secret).
 *
 * A set is complete only when it is proven: every stage of every pipeline exited 0, each file was
 * flushed, then read back from the disk, and its size and sha256 equal those of the stream that was
 * written. Only then is the folder renamed from .partial-<ts> to <ts>. Any failure (a full volume
 * included) leaves a .partial-<ts> folder holding only a FAILED note; its unusable files are removed.
 */
export const BACKUP_SCRIPT =
  PRELUDE +
  sh_backup;

/**
 * The journalled swap of a restore, shared by the restore Job and "kubectl odoo recover". Env: DATA_DIR,
 * PG* credentials; STAGE (the .odoo-restore-<op> folder) is set by the caller.
 *
 * $STAGE holds new/ (the restored files), old/ (the replaced ones, once moved), names (target, scratch
 * and old database names), entries.old and entries.new (the top-level entries each side had when the
 * swap began) and journal: one line per step, on the disk before the step begins, so an interruption
 * at any moment leaves a state that is recognised and finished or undone exactly:
 *   staging      new/ and the scratch database are being filled; the instance is untouched
 *   staged <t>   both are complete and verified; <t> = 1 when the instance had a database to replace
 *   db           the database renames are being committed (one transaction: both or none)
 *   out          the instance's entries are being moved into old/ (each move a rename)
 *   in           the restored entries are being moved from new/ into the volume
 *   committed    the restored database and files are the instance's
 *   rolled-back  the swap was undone; the instance has its database and files from before
 * Nothing is ever deleted that is not proven by this journal to be the replaced copy (old/, the old
 * database, after "committed") or a restored copy that was not swapped in (new/, the scratch database).
 */
const SWAP_FUNCS = sh_swap;

/**
 * Restore into staging, then swap. Env: BACKUP_ROOT, SET_PATH, DATA_DIR (instance volume, read-write),
 * PGDATABASE (the instance's database), SOURCE_DB (the database name inside the backup), SCRATCH_DB,
 * OLD_DB, OP_ID, REPLACED (remove|keep), PG* credentials.
 * Until the swap, the instance's database and files are untouched. The swap (SWAP_FUNCS) is journalled
 * on the volume; signals that arrive during it are held until it is complete. The last line before the
 * script ends says where the instance stands:
 *   STATE untouched | rolled-back | committed | incomplete <journal state>
 * REPLACED=keep leaves the replaced files in $DATA_DIR/.odoo-restore-$OP_ID/old and the replaced database
 * as OLD_DB, for RECOVER_SCRIPT (MODE=cleanup) to delete once the instance runs again: removing a large
 * filestore file by file then costs no downtime.
 */
export const RESTORE_SCRIPT =
  PRELUDE +
  SWAP_FUNCS +
  sh_restore;

/**
 * What an interruption left, and the way out. Env: DATA_DIR (the instance volume), PGDATABASE (the
 * instance's database), MODE, PG* credentials; OP_ID limits MODE=cleanup to one restore.
 *   MODE=inspect   prints, read-only:  RESTORE <op> <journal state> <scratch db> <old db>
 *                                      SIDEDB <name>   (databases named <db>__restore_* / <db>__old_*)
 *   MODE=apply     finishes every swap that had begun (the restored set was verified before it), and
 *                  removes staging that never began to swap: FINISHED <op> | DISCARDED <op> | KEPT <op> <why>
 *   MODE=cleanup   removes what committed restores replaced: REMOVED <op> | KEPT <op> <why>
 */
export const RECOVER_SCRIPT =
  PRELUDE +
  SWAP_FUNCS +
  sh_recover;

/** Drops one database. Env: DROP_DB, PG* credentials. */
export const DROP_DATABASE_SCRIPT =
  PRELUDE +
  sh_drop_database;

/**
 * Before a restore changes anything: room to stage it, and no interrupted restore on the volume. Env:
 * DATA_DIR (instance volume, read-only), BACKUP_ROOT, SET_PATH. Prints SPACE, SET and RESTORE lines.
 */
export const RESTORE_PREFLIGHT_SCRIPT =
  PRELUDE +
  SWAP_FUNCS +
  sh_restore_preflight;

/**
 * Lists sets, and the platform's archives (active/<customer>/<name>.tar.gz|.tgz, regular files only, names
 * of safe characters only). Env: BACKUP_ROOT, CUSTOMER_GLOB, INSTANCE_GLOB (a name or *).
 */
export const LIST_SCRIPT =
  PRELUDE +
  sh_list;

/**
 * Verifies a set. Env: BACKUP_ROOT, SET_PATH, RESTORE_TEST (0|1); for the restore test also
 * SOURCE_DB, SCRATCH_DB, STAGE_DIR and PG* credentials.
 *
 * A SET_PATH ending in .tar.gz/.tgz is a platform archive (volume only): gzip and tar integrity, entry
 * paths that stay inside the folder they are extracted into (no absolute path, no "..", no link whose
 * target leaves it), and the entries' first components (ENTRY lines, for the layout judge in the plugin).
 */
export const VERIFY_SCRIPT =
  PRELUDE +
  sh_verify;

/**
 * Deletes, pins or unpins sets; deletes platform archives. Env: BACKUP_ROOT, OP (delete|pin|unpin), SETS
 * (folders or archive files, one per line).
 * A deleted set is first renamed to .deleting-<timestamp>, so a prune cut short never leaves a
 * half-deleted folder under a complete-looking name.
 */
export const SET_OPS_SCRIPT =
  PRELUDE +
  sh_set_ops;

/**
 * Off-site copies with rclone (backups sync, backups --remote, restore --from remote:SET). Env: MODE,
 * BACKUP_ROOT, REMOTE, RCLONE_SOURCE_CONFIG, SETS. Prints PRESENT/SYNCED/FETCHED <path> a set, FILE
 * <size> <path> a remote file (list).
 */
export const OFFSITE_SCRIPT =
  PRELUDE +
  sh_offsite;

/**
 * A restore drill's database steps on the throwaway instance, before it starts. Env: PG* (its database
 * and credentials), DATA_DIR (its volume, read-only), BASE_URL (its address). Prints
 *   NEUTRALIZE <what> <detail>     what neutralizing changed
 *   MISSING <store_fname>          an attachment row without its file (the first 20)
 *   CHECK neutralize|attachments ok|fail <detail>
 */
export const DRILL_SCRIPT =
  PRELUDE +
  sh_drill;
