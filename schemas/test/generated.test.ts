// The committed src/generated/ must be what scripts/generate.ts renders from avro/ today.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderGeneratedFiles } from '../scripts/codegen.js';

const avroDirectory = fileURLToPath(new URL('../avro/', import.meta.url));
const generatedDirectory = fileURLToPath(new URL('../src/generated/', import.meta.url));

const record = (name: string, fields: unknown[]) => ({ type: 'record', name, namespace: 'dev.rivulet.events', fields });

/** Renders a set of schemas written to a temporary avro/ folder. */
const renderFrom = (schemas: Record<string, unknown>): Map<string, string> => {
  const directory = mkdtempSync(join(tmpdir(), 'rivulet-schemas-'));
  try {
    for (const [name, schema] of Object.entries(schemas)) writeFileSync(join(directory, name), JSON.stringify(schema));
    return renderGeneratedFiles(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
};

await test('generated types are up to date with avro/*.avsc (run `npm run generate` when this fails)', () => {
  const expected = renderGeneratedFiles(avroDirectory);
  assert.deepEqual(readdirSync(generatedDirectory).sort(), [...expected.keys()].sort());
  for (const [name, content] of expected) {
    assert.equal(readFileSync(join(generatedDirectory, name), 'utf8'), content, `src/generated/${name} is stale`);
  }
});

await test('codegen: a change to a schema changes the output', () => {
  const rendered = renderFrom({ 'thing-happened.avsc': record('ThingHappened', [{ name: 'size', type: 'int' }]) });
  const changed = renderFrom({
    'thing-happened.avsc': record('ThingHappened', [{ name: 'size', type: 'long' }, { name: 'label', type: ['null', 'string'], default: null }]),
  });
  assert.notEqual(rendered.get('thing-happened.ts'), changed.get('thing-happened.ts'));
  assert.match(changed.get('thing-happened.ts') ?? '', /label: string \| null;/);
});

await test('codegen: refuses a named type defined differently in two schemas', () => {
  const shared = (fields: unknown[]) => ({ name: 'detail', type: { type: 'record', name: 'Detail', fields } });
  assert.throws(
    () => renderFrom({
      'one-happened.avsc': record('OneHappened', [shared([{ name: 'code', type: 'string' }])]),
      'two-happened.avsc': record('TwoHappened', [shared([{ name: 'code', type: 'int' }])]),
    }),
    /Detail is defined differently/,
  );
});

await test('codegen: generates a named type shared by several schemas once', () => {
  const shared = { name: 'detail', type: { type: 'record', name: 'Detail', fields: [{ name: 'code', type: 'string' }] } };
  const files = renderFrom({ 'one-happened.avsc': record('OneHappened', [shared]), 'two-happened.avsc': record('TwoHappened', [shared]) });
  assert.match(files.get('shared.ts') ?? '', /export interface Detail \{/);
  assert.doesNotMatch(files.get('one-happened.ts') ?? '', /export interface Detail/);
  assert.match(files.get('one-happened.ts') ?? '', /import type \{ Detail \} from '\.\/shared\.js';/);
});

await test('codegen: refuses unions other than ["null", T], enums, and misnamed records', () => {
  assert.throws(() => renderFrom({ 'thing-happened.avsc': record('ThingHappened', [{ name: 'value', type: ['string', 'int'] }]) }), /union must be \["null", T\]/);
  assert.throws(
    () => renderFrom({ 'thing-happened.avsc': record('ThingHappened', [{ name: 'state', type: { type: 'enum', name: 'State', symbols: ['a'] } }]) }),
    /use a string with documented values/,
  );
  assert.throws(() => renderFrom({ 'thing-happened.avsc': record('OtherThing', []) }), /must be a record named dev\.rivulet\.events\.ThingHappened/);
});
