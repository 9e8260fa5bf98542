import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { z } from 'zod';
import { defineConfig, duration, renderConfigurationTable, text, variable } from '../src/index.js';
import { documentPath, readmePath, renderConfigurationDocument, renderReadme } from '../scripts/render-docs.js';

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

await test('docs/configuration.md: is up to date with the catalogue (regenerate: npm run docs -w @rivulet/config)', async () => {
  const written = await readFile(documentPath, 'utf8');
  assert.equal(written, renderConfigurationDocument());
});

await test('README.md: its configuration table is up to date with the catalogue (regenerate: npm run docs -w @rivulet/config)', async () => {
  const readme = await readFile(readmePath, 'utf8');
  assert.equal(readme, renderReadme(readme));
});

await test('docs/configuration.md: documents every shared variable', () => {
  const document = renderConfigurationDocument();
  for (const name of ['RIVULET_ENV', 'KAFKA_BROKERS', 'DATABASE_URL', 'OPS_PORT', 'RIVULET_HOME', 'CONSUMER_SHUTDOWN_TIMEOUT']) {
    assert.match(document, new RegExp(`\\| \`${name}\` \\|`));
  }
  assert.match(document, /\| `KAFKA_CLIENT_ID` \| .* \| `rivulet-<process>` \|/);
});
