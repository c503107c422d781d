import type { CommandDef } from '../../cli/command.js';
import { UsageError } from '../../../lib/errors.js';
import { completeInstanceName } from '../support/instance.js';

interface PsqlArgs {
  name: string;
  command?: string;
  file?: string;
}

export const psqlCommandDef: CommandDef<PsqlArgs> = {
  command: 'psql <name>',
  scope: 'instance',
  describe: 'Start psql on the instance\'s database with its own credentials (-c SQL, -f FILE for scripts)',
  outputs: ['table'],
  stream: true,
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('command', { alias: 'c', type: 'string', describe: 'Run this SQL and exit (stops at the first error)' })
      .option('file', { alias: 'f', type: 'string', describe: 'Run the SQL of this local file (sent on stdin) and exit (stops at the first error)' }),
  complete: completeInstanceName,
  async run(args, ctx) {
    if (args.command !== undefined && args.file !== undefined) throw new UsageError('-c and -f cannot be used together: give the SQL one way');
    if (args.command !== undefined && args.command.trim() === '') throw new UsageError('-c needs SQL to run');
    let input: Buffer | undefined;
    if (args.file !== undefined) {
      const { readFileSync } = await import('node:fs');
      try {
        input = readFileSync(args.file);
      } catch (e) {
        throw new UsageError(`cannot read -f ${args.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
    }
    const { resolveForSession } = await import('../support/attach.js');
    const { runPsql } = await import('../support/psqlSession.js');
    const { runningInstancePod } = await import('../../storage/volumePod.js');
    const { kube, inst } = await resolveForSession(ctx, 'psql', args.name);
    const script = args.command !== undefined ? ['-c', args.command] : input !== undefined ? ['-f', '-'] : [];
    await runPsql(ctx, kube, inst, runningInstancePod(inst), { args: script.length ? ['-v', 'ON_ERROR_STOP=1', ...script] : [], input });
  },
};
