// Typed errors thrown anywhere in the plugin; main maps them to exit codes and one-line messages.

/**
 * What went wrong, which decides the exit code (exitCodeFor): `usage` 2, `interrupted` 130 (Ctrl-C),
 * `exit-code` the remote command's own, every other kind 1. The other kinds say which 1 it is, for
 * callers that react to it (`forbidden` gets the RBAC hint, `not-found` a suggestion, `declined` is a
 * confirmation the user did not give).
 */
export type ErrorKind = 'usage' | 'not-found' | 'conflict' | 'forbidden' | 'invalid' | 'api' | 'timeout' | 'declined' | 'interrupted' | 'check-failed' | 'failure' | 'exit-code';

export class CliError extends Error {
  readonly kind: ErrorKind;
  /** Optional second line with a hint (e.g. "did you mean acme?"). */
  readonly hint?: string;
  constructor(kind: ErrorKind, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.kind = kind;
    this.hint = opts.hint;
  }
}

/** Bad flags, names, sizes, selectors, files: exit 2, nothing changed. */
export class UsageError extends CliError {
  constructor(message: string, opts: { hint?: string } = {}) {
    super('usage', message, opts);
  }
}

export class NotFoundError extends CliError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('not-found', message, opts);
  }
}

export class ConflictError extends CliError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('conflict', message, opts);
  }
}

export class TimeoutError extends CliError {
  constructor(message: string, opts: { hint?: string } = {}) {
    super('timeout', message, opts);
  }
}

/** Interrupted (Ctrl-C, an aborted signal): exit 130. The message says what state things were left in. */
export class CancelledError extends CliError {
  constructor(message = 'interrupted') {
    super('interrupted', message);
  }
}

/** The user declined a confirmation: exit 1, nothing changed. */
export class DeclinedError extends CliError {
  constructor(message = 'not confirmed; nothing was changed') {
    super('declined', message);
  }
}

/** A check ran and found problems (nodes check, backup verify): the report is already printed. */
export class CheckFailedError extends CliError {
  constructor(message: string) {
    super('check-failed', message);
  }
}

/** An operation failed for a reason that is not the user's input. */
export class FailureError extends CliError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('failure', message, opts);
  }
}

/**
 * A command run in a pod (shell, psql) ended with this exit code: the plugin exits with it too, and
 * prints nothing more (the command said what it had to).
 */
export class RemoteExitError extends CliError {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super('exit-code', `the command exited with code ${exitCode}`);
    this.exitCode = exitCode;
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) {
    switch (err.kind) {
      case 'usage':
        return EXIT_USAGE;
      case 'interrupted':
        return EXIT_INTERRUPTED;
      case 'exit-code':
        return (err as RemoteExitError).exitCode;
      default:
        return EXIT_FAILURE;
    }
  }
  return EXIT_FAILURE;
}

/** One line (plus optional hint) for stderr; never a stack trace unless verbose. */
export function formatError(err: unknown, verbose = false): string {
  if (err instanceof RemoteExitError) return '';
  if (err instanceof CliError) {
    const lines = [`error: ${err.message}`];
    if (err.hint) lines.push(err.hint);
    if (verbose && err.cause instanceof Error && err.cause.stack) lines.push(err.cause.stack);
    return lines.join('\n');
  }
  if (err instanceof Error) {
    return verbose && err.stack ? `error: ${err.stack}` : `error: ${err.message}`;
  }
  return `error: ${String(err)}`;
}
