import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { checkoutDataConverter } from '../temporal/data-converter.ts';
import type { OpsCommand } from './arguments.ts';
import { readOpsConfig, type OpsConfig } from './config.ts';
import { OpsFailure } from './ops-failure.ts';
import { runCommand } from './run-command.ts';

const writeLine = (stream: NodeJS.WriteStream, value: unknown) =>
  stream.write(`${JSON.stringify(value)}\n`);

/**
 * Connects to Temporal, runs the command, printing each result as a JSON line on stdout and
 * a failure as one on stderr. Answers the exit code.
 */
export async function runWithTemporal(
  command: Exclude<OpsCommand, { name: 'help' }>,
): Promise<number> {
  let connection: Connection | undefined;
  try {
    const { config, dataConverter } = configuration();
    connection = await connect(config);
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
    await runCommand(client, command, (result) => writeLine(process.stdout, result));
    return 0;
  } catch (error) {
    writeLine(
      process.stderr,
      error instanceof OpsFailure
        ? error
        : { error: 'unexpected', message: (error as Error).message },
    );
    return 1;
  } finally {
    await connection?.close();
  }
}

function configuration(): { config: OpsConfig; dataConverter: DataConverter | undefined } {
  try {
    return { config: readOpsConfig(), dataConverter: checkoutDataConverter() };
  } catch (error) {
    throw new OpsFailure('invalid_configuration', (error as Error).message);
  }
}

async function connect(config: OpsConfig): Promise<Connection> {
  try {
    return await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5s' });
  } catch (error) {
    throw new OpsFailure(
      'temporal_unreachable',
      `cannot reach Temporal at ${config.TEMPORAL_ADDRESS}: ${(error as Error).message}`,
      { address: config.TEMPORAL_ADDRESS },
    );
  }
}
