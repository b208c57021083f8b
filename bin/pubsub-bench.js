#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm install` through `prepare`).
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('pubsub-bench: the compiled CLI is missing. Run `npm run build` in the package folder first.\n');
    process.exit(70);
  }
  throw err;
});
