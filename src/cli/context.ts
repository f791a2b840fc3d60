import type { Services } from '../container.js';
import type { Database } from '../storage/database.js';
import type { Config } from '../config/load.js';

/** What a CLI command may use; the same whether it runs in its own process or inside the server. */
export interface CliContext extends Services {
  config: Config;
  db: Database['db'];
  databaseKind: Database['kind'];
  /** Inside a running server: reload the provider's keys at once after a rotation. */
  afterKeyRotation?: () => Promise<unknown>;
  /**
   * Inside a running server only (the control socket): ends every session of an account now, each
   * relying party being sent a back-channel logout token. Returns how many sessions were live.
   */
  endSessions?: (accountId: string, reason: string) => Promise<number>;
}

export interface CommandOutput {
  /** What `--json` prints. */
  data: unknown;
  /** What a person sees. */
  text: string;
}

export interface CommandInput {
  args: string[];
  /** Standard input, read by the calling process (for --password-stdin). */
  stdin?: string;
}

export type Command = (context: CliContext, input: CommandInput) => Promise<CommandOutput>;

export class UsageError extends Error {}
