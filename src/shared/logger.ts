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
