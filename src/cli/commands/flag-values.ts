/** Reading flag values the commands share: a flag's last value, and a password from the environment variable a `--*-password-env` flag names (never from the command line). */
import type { Problem } from '../../core/errors.js';

/**
 * The password in the environment variable named by `varName` (the value of `flag`), or undefined when the flag was
 * not given; a bad name or an unset variable is a problem naming `flag`.
 */
export function readPassword(varName: unknown, env: NodeJS.ProcessEnv, problems: Problem[], flag = '--password-env'): string | undefined {
  if (varName === undefined) return undefined;
  if (typeof varName !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(varName)) {
    problems.push({ field: flag, message: 'needs the NAME of an environment variable', hint: `e.g. ${flag} REDIS_PASSWORD (the password itself never goes on the command line)` });
    return undefined;
  }
  const password = env[varName];
  if (password === undefined || password === '') {
    problems.push({ field: flag, message: `environment variable ${varName} is not set`, hint: `export ${varName}=... before running, or drop ${flag}` });
    return undefined;
  }
  return password;
}

/** The value of a string flag, the last one when it was given several times; undefined when it was not given. */
export function lastString(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? String(value[value.length - 1]) : String(value);
}
