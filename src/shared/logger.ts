import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. The redact list is a second line of defence: code never logs credentials on purpose,
 * and these paths catch the places where a request or a config object could carry one.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'password', '*.password', 'secret', '*.secret', 'client_secret', '*.client_secret',
          'token', '*.token', 'code', '*.code', 'req.headers.authorization', 'req.headers.cookie',
          'res.headers["set-cookie"]', 'serverSecrets', '*.serverSecrets',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * Standard output written asynchronously: lines logged while a write is in flight go out together,
 * instead of one blocking write per line (the access log's line per request cost about a tenth of the
 * token endpoint's CPU). pino flushes what is pending when the process exits; a process killed outright
 * can lose the lines of its last write.
 */
export function asyncStdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}
