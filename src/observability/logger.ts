import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

/**
 * DBTOOLS_LOG_FORMAT when set, else pretty on a terminal and JSON otherwise (a log collector,
 * a pipe, a file): a person at `npm start` reads lines, a machine reads JSON.
 */
export function logFormat(
  env: NodeJS.ProcessEnv = process.env,
  stdoutIsTty = process.stdout.isTTY === true,
): LogFormat {
  const given = env.DBTOOLS_LOG_FORMAT;
  if (given === 'pretty' || given === 'json') return given;
  return stdoutIsTty ? 'pretty' : 'json';
}

/**
 * The process's logger. Pretty lines are formatted in this thread, synchronously (not in a
 * transport's worker): the lines written while stopping reach the terminal before the exit.
 */
export function createLogger(level: string, options: { name?: string; format?: LogFormat } = {}): Logger {
  const format = options.format ?? logFormat();
  const base = { level, ...(options.name ? { name: options.name } : {}) };
  if (format === 'json') return pino(base);
  return pino(
    base,
    pretty({
      sync: true,
      colorize: process.stdout.isTTY === true,
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l o',
      ignore: 'pid,hostname',
      singleLine: true,
    }),
  );
}
