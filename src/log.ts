import pino from 'pino';

/** Logs go to stderr (fd 2) synchronously; results go to stdout only. */
export const log = pino(
  { level: process.env.LOG_LEVEL ?? 'warn', base: undefined },
  pino.destination({ dest: 2, sync: true }),
);

export function setLogLevel(level: string): void {
  log.level = level;
}
