// The README's examples as tests: the shell lines of a section's ```sh blocks, and running one of them
// with bash against a cluster, the way a reader would.
import { spawn } from 'node:child_process';
import { pluginEnv, ROOT } from './plugin.js';

/** The shell lines of a README section's code blocks, comments and blank lines left to the shell. */
export function sectionCommands(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const rest = readme.slice(start + heading.length + 2);
  const body = rest.slice(0, rest.search(/\n## /) >= 0 ? rest.search(/\n## /) : undefined);
  const lines: string[] = [];
  for (const block of body.matchAll(/```sh\n([\s\S]*?)```/g)) lines.push(...block[1].split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')));
  return lines;
}

/** Runs one line with bash in the repository, KUBECONFIG set; asynchronously, as the cluster may answer from this very process. */
export function runReadmeLine(command: string, kubeconfig: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-c', command], { cwd: ROOT, env: pluginEnv({ KUBECONFIG: kubeconfig }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
