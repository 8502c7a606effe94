import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal runtime of a worker process: the SDK's, workflows' and activities' logs go
 * to our JSON logger with the attributes the SDK adds (workflowId, runId, activityType…)
 * and ours (orderId), and the SDK's metrics are served for Prometheus at `metricsAddress`.
 */
export function installTemporalRuntime(logger: Logger, metricsAddress?: string): void {
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      logger[levels[entry.level]]({ ...entry.meta, sdk: true }, entry.message);
    }),
    ...(metricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } }
      : {}),
  });
}
