// For tests of a command's toOptions: the context it reads, built from plain values, with no cluster,
// streams or clock behind it.
import type { GlobalOptions, OptionsContext } from '../context.js';
import { DEFAULT_CONFIG, type PluginConfig } from '../../core/config.js';

export function optionsContext(over: { globals?: Partial<GlobalOptions>; config?: Partial<PluginConfig>; env?: Record<string, string | undefined>; interactive?: boolean } = {}): OptionsContext {
  const globals: GlobalOptions = { allNamespaces: false, output: 'table', color: 'never', verbose: 0, ...over.globals };
  const config: PluginConfig = { ...DEFAULT_CONFIG, ...over.config };
  return {
    env: over.env ?? {},
    globals,
    config,
    namespace: () => globals.namespace || config.namespace,
    interactive: over.interactive ?? false,
  };
}
