// Where the data of a test cluster's PersistentVolumes lives on this machine.
import { join } from 'node:path';

/** The directory backing a PV: `${dataDir}/pv/<pv name>`. */
export function pvDataDir(dataDir: string, pvName: string): string {
  return join(dataDir, 'pv', pvName);
}
