/**
 * Did-you-mean for the command line: yargs says "Unknown argument: durtion"; this finds the flag or command that was
 * most likely meant, with the same closeness rule as scenario names and keys (scenarios/checks.ts `closest`).
 */
import { closest } from '../scenarios/checks.js';

/**
 * The hint for a yargs "Unknown argument(s): a, b" message, or undefined when nothing is close. A name typed with
 * dashes is matched against `flags` (the options known where the parse failed); a bare word against `commands`,
 * unless a command was already named (then it is a stray positional, not a misspelt command).
 */
export function suggestForUnknown(
  message: string, argv: readonly string[], flags: readonly string[], commands: readonly string[], commandNamed: boolean,
): string | undefined {
  const m = /^Unknown arguments?: (.+)$/.exec(message.trim());
  if (!m) return undefined;
  const hints: string[] = [];
  for (const name of m[1].split(', ')) {
    if (typedAsFlag(name, argv)) {
      const near = closest(name, flags.filter((f) => f.length > 1));
      if (near) hints.push(`did you mean --${near} (for --${name})?`);
    } else if (!commandNamed) {
      const near = closest(name, commands);
      if (near) hints.push(`did you mean '${near}' (for '${name}')?`);
    }
  }
  return hints.length > 0 ? hints.join(' ') : undefined;
}

/** Whether `name` was typed as a flag: --name, --name=…, -name or --no-name. */
function typedAsFlag(name: string, argv: readonly string[]): boolean {
  return argv.some((a) => {
    const flag = a.replace(/=.*$/, '');
    return flag === `--${name}` || flag === `-${name}` || flag === `--no-${name}`;
  });
}
