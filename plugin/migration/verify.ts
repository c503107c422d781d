// Verification of a copied tree: both sides are listed by the same Job (GNU find and sha256sum, NUL
// separated so any file name survives) and compared here: entry types, sizes, checksums, link targets.

import verifySh from './sh/verify.sh';

export interface TreeEntry {
  /** f file, d directory, l symlink, other find %y letters for special files. */
  type: string;
  size: number;
  sha256?: string;
  link?: string;
}

export type Tree = Map<string, TreeEntry>;

export interface TreeTotals {
  files: number;
  directories: number;
  bytes: number;
}

export interface Difference {
  path: string;
  problem: string;
}

export interface Verification {
  source: TreeTotals;
  target: TreeTotals;
  differences: Difference[];
  ok: boolean;
}

/** Markers the verify Job prints between sections (no file name contains a NUL). */
export const SECTION = {
  sourceList: '\u0000@@source-list\u0000',
  sourceSums: '\u0000@@source-sums\u0000',
  targetList: '\u0000@@target-list\u0000',
  targetSums: '\u0000@@target-sums\u0000',
  end: '\u0000@@end\u0000',
} as const;

/** The shell script of the verify Job (sh/verify.sh): constant text; the trees come as SOURCE_DIR and TARGET_DIR. */
export const VERIFY_TREES_SCRIPT = verifySh;

/** Splits the Job's output into the two trees; throws if the output is cut short. */
export function parseVerifyOutput(out: string): { source: Tree; target: Tree } {
  const at = (m: string) => {
    const i = out.indexOf(m);
    if (i < 0) throw new Error('the verify output is incomplete (the Job stopped before listing both trees)');
    return i;
  };
  const s1 = at(SECTION.sourceList);
  const s2 = at(SECTION.sourceSums);
  const t1 = at(SECTION.targetList);
  const t2 = at(SECTION.targetSums);
  const end = at(SECTION.end);
  const slice = (a: number, aLen: number, b: number) => out.slice(a + aLen, b);
  return {
    source: parseTree(slice(s1, SECTION.sourceList.length, s2), slice(s2, SECTION.sourceSums.length, t1)),
    target: parseTree(slice(t1, SECTION.targetList.length, t2), slice(t2, SECTION.targetSums.length, end)),
  };
}

/** `find -printf '%y\0%s\0%p\0%l\0'` and `sha256sum -z` output into one map keyed by relative path. */
export function parseTree(listing: string, sums: string): Tree {
  const tree: Tree = new Map();
  const f = listing.split('\u0000');
  for (let i = 0; i + 3 < f.length; i += 4) {
    const [type, size, path, link] = [f[i], f[i + 1], f[i + 2], f[i + 3]];
    tree.set(rel(path), { type, size: type === 'f' ? Number(size) : 0, ...(type === 'l' ? { link } : {}) });
  }
  for (const rec of sums.split('\u0000')) {
    const m = /^([0-9a-f]{64}) [ *](.*)$/s.exec(rec);
    if (!m) continue;
    const e = tree.get(rel(m[2]));
    if (e) e.sha256 = m[1];
  }
  return tree;
}

function rel(p: string): string {
  return p.startsWith('./') ? p.slice(2) : p;
}

export function totals(tree: Tree): TreeTotals {
  let files = 0;
  let directories = 0;
  let bytes = 0;
  for (const e of tree.values()) {
    if (e.type === 'd') directories++;
    else if (e.type === 'f') {
      files++;
      bytes += e.size;
    }
  }
  return { files, directories, bytes };
}

/** Every way the target differs from the source; `max` caps the list (the count is still exact). */
export function compareTrees(source: Tree, target: Tree, max = 20): Verification {
  const differences: Difference[] = [];
  let count = 0;
  const add = (path: string, problem: string) => {
    count++;
    if (differences.length < max) differences.push({ path, problem });
  };
  for (const [path, s] of [...source].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const t = target.get(path);
    if (!t) add(path, 'missing in the copy');
    else if (t.type !== s.type) add(path, `is a ${kind(t.type)} in the copy but a ${kind(s.type)} in the source`);
    else if (s.type === 'f' && t.size !== s.size) add(path, `size differs (source ${s.size} bytes, copy ${t.size} bytes)`);
    else if (s.type === 'f' && t.sha256 !== s.sha256) add(path, 'checksum differs');
    else if (s.type === 'l' && t.link !== s.link) add(path, `link target differs (source ${s.link}, copy ${t.link})`);
  }
  for (const path of target.keys()) if (!source.has(path)) add(path, 'exists only in the copy');
  const result: Verification = { source: totals(source), target: totals(target), differences, ok: count === 0 };
  if (count > differences.length) differences.push({ path: '…', problem: `${count - differences.length} more differences` });
  return result;
}

function kind(t: string): string {
  return t === 'f' ? 'file' : t === 'd' ? 'directory' : t === 'l' ? 'symlink' : `special file (${t})`;
}
