// What every command receives: its IO streams, global options, config, clock and a lazy API client.
import type { KubeClient } from '../../lib/kube/client.js';
import type { Colors, ColorMode } from '../core/output/colors.js';
import type { OutputFormat } from '../core/output/printer.js';
import type { PluginConfig } from '../core/config.js';
import type { Clock, IOStreams } from '../../lib/io.js';
import type { CommandOutput } from './output.js';

export type { Clock, IOStreams } from '../../lib/io.js';
export { realClock } from '../../lib/io.js';


export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  /** -n as given; undefined when not given. */
  namespace?: string;
  allNamespaces: boolean;
  output: OutputFormat;
  color: ColorMode;
  verbose: number;
}


export type Env = Record<string, string | undefined>;

/** What `toOptions` may read: the flags' surroundings, nothing that reaches the cluster or prints. */
export interface OptionsContext {
  env: Env;
  globals: GlobalOptions;
  config: PluginConfig;
  /** -n, else the config file's namespace, else "saasodoo". */
  namespace(): string;
  /** stdin is a terminal (a prompt can be answered). */
  interactive: boolean;
}

export interface CommandContext extends OptionsContext {
  io: IOStreams;
  colors: Colors;
  clock: Clock;
  /** The API client, created on first use (loading the kubeconfig). */
  kube(): Promise<KubeClient>;
  /**
   * Prints an output now rather than when run returns: a result that stands whatever the wait after it
   * brings ("created" before create --wait waits; the diff before config set --restart restarts).
   */
  show(out: CommandOutput): Promise<void>;
  /** A progress line on stderr (never on stdout, which carries data). */
  progress(message: string): void;
  /** Asks the user to type `expected`; false when stdin is not a terminal and gives nothing. */
  confirm(question: string, expected: string): Promise<boolean>;
  /** Aborted on Ctrl-C, so long waits and watches stop cleanly. */
  signal: AbortSignal;
}
