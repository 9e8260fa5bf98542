import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineConfig, duration, renderConfigurationTable, text, variable } from '../src/index.js';

await test('renderConfigurationTable: renders one row per variable with default, secret flag and users', () => {
  const table = renderConfigurationTable({
    'every process': defineConfig({
      TIMEOUT: variable({ description: 'Timeout | with a pipe.', schema: duration(), default: '30s' }),
      TOKEN: variable({ description: 'Token.', schema: text(), secret: true }),
    }),
    'one worker': defineConfig({
      TIMEOUT: variable({ description: 'Timeout | with a pipe.', schema: duration(), default: '30s' }),
      PLAIN: z.string().describe('Plain zod.').optional(),
    }),
  });
  assert.equal(table, [
    '| Variable | Description | Default | Secret | Used by |',
    '|---|---|---|---|---|',
    '| `TIMEOUT` | Timeout \\| with a pipe. | `30s` | no | every process, one worker |',
    '| `TOKEN` | Token. | **required** | yes | every process |',
    '| `PLAIN` | Plain zod. | unset (optional) | no | one worker |',
    '',
  ].join('\n'));
});

await test('renderConfigurationTable: refuses a variable without a description', () => {
  assert.throws(() => renderConfigurationTable({ worker: defineConfig({ SECRET_THING: text() }) }), /SECRET_THING \(worker\) has no description/);
});
