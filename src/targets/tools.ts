/** Finding the external tools the launcher runs (redis-server, redis-cli, openssl) on PATH. */
import fs from 'node:fs';
import path from 'node:path';
import { MissingToolError } from '../core/errors.js';

/** Absolute path of an executable named `name` on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Like findTool, but a missing tool is a MissingToolError that says how to install it or how to avoid it. */
export function requireTool(name: 'redis-server' | 'redis-cli'): string {
  const found = findTool(name);
  if (found) return found;
  throw new MissingToolError(
    `${name} is not on PATH, so pubsub-bench cannot start a local Redis. ` +
      'Install it (Debian/Ubuntu: `apt-get install redis-server`, which also brings redis-cli; macOS: `brew install redis`) ' +
      'or point the run at an existing server with --target redis://host:port.',
  );
}
