/** The harness version, read from package.json by walking up from this file (works from dist/ and from src/ under tsx). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** pubsub-bench's version, or 'unknown' when package.json cannot be found. */
export function harnessVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pubsub-bench' && pkg.version) return (cached = pkg.version);
    }
    dir = dirname(dir);
  }
  return (cached = 'unknown');
}
