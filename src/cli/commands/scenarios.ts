/** `pubsub-bench scenarios`: the built-in scenarios, one line each (or JSON with --json); `--schema`: the JSON Schema of scenario files. */
import { BUILTINS, DEFAULT_SCENARIO } from '../../scenarios/builtins/index.js';
import { formatDurationMs } from '../../scenarios/duration.js';
import { scenarioSchemaText } from '../../scenarios/schema.js';
import { resolveScenario } from '../../scenarios/validate.js';
import type { Scenario } from '../../core/scenario.js';
import type { CliIo } from '../io.js';

/** Key numbers of a resolved scenario, for the listing. */
export function keyNumbers(s: Scenario): string {
  const subscribers = s.subscribers.reduce((n, g) => n + g.count, 0);
  const patterns = s.subscribers.filter((g) => g.patterns.length > 0).length;
  const rate = s.publishers.rate === 'max' ? 'max rate' : `${s.publishers.rate} msg/s`;
  return [
    `${s.publishers.count} pub`,
    `${subscribers} sub${patterns > 0 ? ` (${patterns} pattern group${patterns > 1 ? 's' : ''})` : ''}`,
    `${s.channels.count} ch`,
    rate,
    `${s.publishers.messageBytes} B`,
    s.publishers.mode,
    `${formatDurationMs(s.durationMs)}`,
  ].join(', ');
}

/** Lists the built-ins (or prints the scenario file JSON Schema with `--schema`); returns the exit code. */
export function scenariosCommand(args: { json?: unknown; schema?: unknown }, io: CliIo): number {
  if (args.schema === true) {
    io.stdout(scenarioSchemaText());
    return 0;
  }
  const resolved = BUILTINS.map((b) => resolveScenario(structuredClone(b.input), `built-in ${b.name}`));
  if (args.json === true) {
    io.stdout(`${JSON.stringify(resolved.map((s) => ({ ...s, default: s.name === DEFAULT_SCENARIO })), null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...resolved.map((s) => s.name.length)) + 2;
  const lines = resolved.map((s) => {
    const name = `${s.name}${s.name === DEFAULT_SCENARIO ? '*' : ''}`.padEnd(width);
    return `${name}${s.description}\n${' '.repeat(width)}${keyNumbers(s)}`;
  });
  io.stdout(`${lines.join('\n')}\n\n* the default of \`pubsub-bench run\`. Run one: pubsub-bench run <name> [flags]\n`);
  return 0;
}
