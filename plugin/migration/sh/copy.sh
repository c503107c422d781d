# shellcheck shell=sh
# Mirrors the legacy directory (SOURCE_DIR) into the PVC (TARGET_DIR). With rsync (in most images that have it)
# only what changed moves; without it the target is emptied and copied whole. Owners, modes, times and
# links are kept.
set -eu
if command -v rsync >/dev/null 2>&1; then exec rsync -a --delete --numeric-ids "$SOURCE_DIR/" "$TARGET_DIR/"; fi
find "$TARGET_DIR" -mindepth 1 -delete
cp -a "$SOURCE_DIR/." "$TARGET_DIR/"
