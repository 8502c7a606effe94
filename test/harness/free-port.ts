import type { StackPorts } from '../../scripts/stack/launch.ts';
import { freePort } from '../../scripts/stack/processes.ts';

export { freePort };

/** A free port for each process of a stack that `scripts/stack/launch.ts` starts. */
export async function freeStackPorts(): Promise<StackPorts> {
  return {
    api: await freePort(),
    temporal: await freePort(),
    temporalUi: await freePort(),
    emulator: await freePort(),
    postgres: await freePort(),
    workerMetrics: await freePort(),
  };
}
