import { normalizeError } from '../errors/problem.js';
import { resolveCommand, USAGE } from './commands.js';
import { UsageError, type CliContext } from './context.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one command and renders its output; used by the CLI process and by the control socket. */
export async function runCommand(context: CliContext, argv: string[], stdin?: string): Promise<CommandResult> {
  const json = argv.includes('--json');
  const words = argv.filter((arg) => arg !== '--json');
  const resolved = resolveCommand(words);
  if (!resolved) return { exitCode: 2, stdout: '', stderr: `${USAGE}\n` };
  try {
    const output = await resolved.command(context, { args: resolved.args, stdin });
    return { exitCode: 0, stdout: `${json ? JSON.stringify(output.data, null, 2) : output.text}\n`, stderr: '' };
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      return { exitCode: 2, stdout: '', stderr: `${(error as Error).message}\n\n${USAGE}\n` };
    }
    const normalized = normalizeError(error);
    const message = normalized.status >= 500 ? `${normalized.message}: ${(error as Error).message}` : normalized.message;
    return {
      exitCode: 1,
      stdout: json ? `${JSON.stringify({ error: normalized.code, message })}\n` : '',
      stderr: `Error: ${message}\n`,
    };
  }
}
