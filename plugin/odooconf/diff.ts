// A unified diff of two versions of a small text file (odoo.conf is a few dozen lines), computed on the
// real lines and printed through a per-line renderer so secrets can be masked in the output.

export interface DiffLine {
  op: ' ' | '-' | '+';
  /** Index in the old (for ' ' and '-') or new (for '+') lines. */
  index: number;
}

export interface DiffHunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: DiffLine[];
}

/** Longest common subsequence edit script; fine for files of a few thousand lines. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', index: i });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push({ op: '+', index: j++ });
    } else {
      out.push({ op: '-', index: i++ });
    }
  }
  // Within a run of changes show removals before additions, as diff -u does.
  for (let s = 0; s < out.length; ) {
    if (out[s].op === ' ') {
      s++;
      continue;
    }
    let e = s;
    while (e < out.length && out[e].op !== ' ') e++;
    const run = out.slice(s, e);
    out.splice(s, e - s, ...run.filter((l) => l.op === '-'), ...run.filter((l) => l.op === '+'));
    s = e;
  }
  return out;
}

export function hunks(diff: readonly DiffLine[], context = 2): DiffHunk[] {
  const result: DiffHunk[] = [];
  let oldPos = 0;
  let newPos = 0;
  const positions = diff.map((l) => {
    const p = { old: oldPos, new: newPos };
    if (l.op !== '+') oldPos++;
    if (l.op !== '-') newPos++;
    return p;
  });
  const changed = diff.map((l, i) => (l.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k] - context);
    let end = Math.min(diff.length, changed[k] + context + 1);
    while (k + 1 < changed.length && changed[k + 1] - context <= end) {
      k++;
      end = Math.min(diff.length, changed[k] + context + 1);
    }
    k++;
    const lines = diff.slice(start, end);
    result.push({
      oldStart: positions[start].old + 1,
      newStart: positions[start].new + 1,
      oldCount: lines.filter((l) => l.op !== '+').length,
      newCount: lines.filter((l) => l.op !== '-').length,
      lines,
    });
  }
  return result;
}

/** `--- a` / `+++ b` / `@@` text; `render(op, index)` gives the text of a line (masked or not). */
export function renderUnifiedDiff(
  diff: readonly DiffLine[],
  labels: { old: string; new: string },
  render: { old: (i: number) => string; new: (i: number) => string },
  style: { removed: (s: string) => string; added: (s: string) => string; header: (s: string) => string } = {
    removed: (s) => s,
    added: (s) => s,
    header: (s) => s,
  },
): string {
  const hs = hunks(diff);
  if (hs.length === 0) return '';
  const out = [style.header(`--- ${labels.old}`), style.header(`+++ ${labels.new}`)];
  for (const h of hs) {
    out.push(style.header(`@@ -${h.oldStart},${h.oldCount} +${h.newStart},${h.newCount} @@`));
    for (const l of h.lines) {
      if (l.op === '-') out.push(style.removed(`-${render.old(l.index)}`));
      else if (l.op === '+') out.push(style.added(`+${render.new(l.index)}`));
      else out.push(` ${render.old(l.index)}`);
    }
  }
  return out.join('\n') + '\n';
}
