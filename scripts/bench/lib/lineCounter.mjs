// Runs a command and counts the lines it prints, in a process of its own so that a busy benchmark
// process never holds the command up by reading its output late. Prints "pid <pid>" first, then, at
// most every 20 ms while lines arrive, "<lines> <epoch ms of the last line>".
//   node lineCounter.mjs COMMAND [ARG...]
import { spawn } from 'node:child_process';

const [cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
process.stdout.write(`pid ${child.pid}\n`);
let lines = 0;
let lastAt = 0;
let reported = 0;
child.stdout.on('data', (d) => {
  for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
  lastAt = performance.timeOrigin + performance.now();
});
const timer = setInterval(() => {
  if (lines === reported) return;
  reported = lines;
  process.stdout.write(`${lines} ${lastAt.toFixed(1)}\n`);
}, 20);
child.on('exit', (code) => {
  clearInterval(timer);
  process.exitCode = code ?? 1;
});
process.on('SIGTERM', () => child.kill('SIGINT'));
