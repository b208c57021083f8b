/** The exit codes are documented from one list: README's table and every command's --help are generated from it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_CODE_MEANINGS, ExitCode, exitCodesMarkdown } from '../../src/core/errors.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

test('every ExitCode has a meaning, once', () => {
  const listed = EXIT_CODE_MEANINGS.flatMap((m) => m.codes).sort((a, b) => a - b);
  assert.deepEqual(listed, [...new Set(Object.values(ExitCode))].sort((a, b) => a - b));
});

test("README's exit-code table is the generated one", () => {
  assert.ok(readFileSync(README, 'utf8').includes(`${exitCodesMarkdown()}\n`), `README.md should hold this table:\n${exitCodesMarkdown()}`);
});

for (const [command, expected] of [['run', /Exit codes: 0 ok, 1 internal error or a failed worker, 2 bad input, 3 target error, 4 missing tool, 5 no data, 98 baseline regression, 99 thresholds failed, 130\/143 interrupted\./], ['capacity', /0 knee found, .*99 no rate held the SLO/]] as const) {
  test(`${command} --help lists the exit codes from ExitCode`, async () => {
    const cap = captureIo();
    assert.equal(await main([command, '--help'], cap.io), 0);
    assert.match(cap.stdout().replace(/\s+/g, ' '), expected);
  });
}
