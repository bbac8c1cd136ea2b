// What every command line of webgrad shares: parse kebab-case options (node:util's parseArgs), print
// the usage for --help, and leave with `<command>: <message>` and an exit code on bad input
// (2: the command line, 1: the work). Engine-free, so the pipeline's data commands use it too.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Cli {
  /** Prints `<command>: message` on stderr and exits (default 2: a bad command line). */
  fail(message: string, code?: number): never;
}

export function cli(command: string): Cli {
  return {
    fail(message, code = 2) {
      process.stderr.write(`${command}: ${message}\n`);
      process.exit(code);
    },
  };
}

/** Parses argv; --help prints `usage` and exits 0; an unknown or malformed option exits 2 saying so. */
export function parseCommandLine<T extends ParseArgsConfig>(command: string, usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    return cli(command).fail(`${(e as Error).message} (try --help)`);
  }
  if ((parsed.values as Record<string, unknown>).help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return parsed;
}
