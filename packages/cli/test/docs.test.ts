import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { documentPath, readmePath, renderConfigurationDocument, renderReadme } from '../scripts/render-docs.js';

await test('docs/configuration.md: is up to date with the catalogue (regenerate: npm run docs -w @rivulet/cli)', async () => {
  const written = await readFile(documentPath, 'utf8');
  assert.equal(written, renderConfigurationDocument());
});

await test('README.md: its configuration table is up to date with the catalogue (regenerate: npm run docs -w @rivulet/cli)', async () => {
  const readme = await readFile(readmePath, 'utf8');
  assert.equal(readme, renderReadme(readme));
});

await test('docs/configuration.md: documents every shared variable', () => {
  const document = renderConfigurationDocument();
  for (const name of ['RIVULET_ENV', 'KAFKA_BROKERS', 'DATABASE_URL', 'OPS_PORT', 'RIVULET_HOME', 'CONSUMER_SHUTDOWN_TIMEOUT', 'INGRESS_PORT', 'RIVULET_API_KEYS', 'EMBEDDING_BATCH_SIZE', 'INGEST_MAX_DOCUMENT_BYTES', 'RIVULET_URL']) {
    assert.match(document, new RegExp(`\\| \`${name}\` \\|`));
  }
  assert.match(document, /\| `KAFKA_CLIENT_ID` \| .* \| `rivulet-<process>` \|/);
});
