import { pino, type Logger } from 'pino';

/**
 * One JSON line per event, for every process. Credentials are censored by name wherever
 * they sit in a logged object, so a careless `log.info({ settings })` still leaks nothing.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'apiKey',
        '*.apiKey',
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'merchantCode',
        '*.merchantCode',
        'password',
        '*.password',
        'secret',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}
