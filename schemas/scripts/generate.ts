// Regenerates src/generated/ from avro/*.avsc: `npm run generate` (tsx scripts/generate.ts).
// The output is committed; test/generated.test.ts fails when it is stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderGeneratedFiles } from './codegen.js';

const avroDirectory = fileURLToPath(new URL('../avro/', import.meta.url));
const generatedDirectory = fileURLToPath(new URL('../src/generated/', import.meta.url));

const files = renderGeneratedFiles(avroDirectory);
mkdirSync(generatedDirectory, { recursive: true });
for (const existing of readdirSync(generatedDirectory)) {
  if (!files.has(existing)) rmSync(join(generatedDirectory, existing));
}
for (const [name, content] of files) writeFileSync(join(generatedDirectory, name), content);
process.stdout.write(`generated ${files.size} files in src/generated/\n`);
