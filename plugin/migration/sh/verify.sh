# shellcheck shell=sh
# Lists both trees (SOURCE_DIR and TARGET_DIR) with types, sizes, link targets and sha256 sums, NUL-separated,
# between the section markers that parseVerifyOutput (verify.ts) reads.
set -eu
printf '\000@@source-list\000'
(cd "$SOURCE_DIR" && find . -mindepth 1 -printf '%y\0%s\0%p\0%l\0')
printf '\000@@source-sums\000'
(cd "$SOURCE_DIR" && find . -type f -print0 | xargs -0 -r sha256sum -z --)
printf '\000@@target-list\000'
(cd "$TARGET_DIR" && find . -mindepth 1 -printf '%y\0%s\0%p\0%l\0')
printf '\000@@target-sums\000'
(cd "$TARGET_DIR" && find . -type f -print0 | xargs -0 -r sha256sum -z --)
printf '\000@@end\000'
