import { defineCommand } from '../../cli/command.js';
import { UsageError } from '../../../lib/errors.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';

interface PsqlArgs {
  name: string;
  command?: string;
  file?: string;
}

interface PsqlOptions {
  name: string;
  namespace: string;
  /** -c: the SQL to run. */
  command?: string;
  /** -f: the local file whose SQL psql reads on stdin. */
  file?: string;
}

export const psqlCommandDef = defineCommand<PsqlArgs, PsqlOptions>({
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
  toOptions(ctx, args) {
    if (args.command !== undefined && args.file !== undefined) throw new UsageError('-c and -f cannot be used together: give the SQL one way');
    if (args.command !== undefined && args.command.trim() === '') throw new UsageError('-c needs SQL to run');
    return { name: validateInstanceReference(args.name), namespace: instanceNamespace(ctx), command: args.command, file: args.file };
  },
  async run(opts, ctx) {
    // The script is read before the cluster is, so a missing file is refused like a bad flag.
    let input: Buffer | undefined;
    if (opts.file !== undefined) {
      const { readFileSync } = await import('node:fs');
      try {
        input = readFileSync(opts.file);
      } catch (e) {
        throw new UsageError(`cannot read -f ${opts.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
    }
    const { resolveSessionInstance } = await import('../support/attach.js');
    const { runPsql } = await import('../support/psqlSession.js');
    const { runningInstancePod } = await import('../../storage/volumePod.js');
    const { kube, inst } = await resolveSessionInstance(ctx, opts.namespace, opts.name);
    const script = opts.command !== undefined ? ['-c', opts.command] : input !== undefined ? ['-f', '-'] : [];
    await runPsql(ctx, kube, inst, runningInstancePod(inst), { args: script.length ? ['-v', 'ON_ERROR_STOP=1', ...script] : [], input });
  },
});
