import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseBoolean, parseByteSize, parseDuration, parseHostPort, parseInteger, parseList, parsePort, parseUrl,
} from '../src/index.js';

/** Asserts `parse` reads each raw text of `table` to its value. */
const reads = <T>(parse: (text: string) => T, table: Record<string, T>): void => {
  for (const [text, value] of Object.entries(table)) assert.equal(parse(text), value, text);
};

await test('parseDuration: reads every unit to milliseconds', () => {
  reads(parseDuration, { '500ms': 500, '30s': 30_000, '1.5m': 90_000, '2h': 7_200_000, '7d': 604_800_000, ' 10 S ': 10_000 });
});
await test('parseDuration: rejects a bare number and unknown units with the expected format', () => {
  for (const bad of ['30', '30sec', '-1s', 's', '']) {
    assert.throws(() => parseDuration(bad), /expected a duration with a unit/, bad);
  }
});

await test('parseByteSize: distinguishes decimal and binary units', () => {
  reads(parseByteSize, { '20MB': 20_000_000, '1MiB': 1_048_576, '64kb': 64_000, '512': 512, '1.5KiB': 1536 });
});
await test('parseByteSize: rejects unknown units', () => {
  assert.throws(() => parseByteSize('20 megs'), /expected a byte size/);
  assert.throws(() => parseByteSize('MB'), /expected a byte size/);
});

await test('parseBoolean: accepts exactly true/false/1/0', () => {
  reads(parseBoolean, { TRUE: true, '1': true, false: false, '0': false });
  assert.throws(() => parseBoolean('yes'), /expected true, false, 1 or 0/);
});

await test('numbers, ports, URLs, lists: bounds integers and ports', () => {
  assert.equal(parseInteger('16', { min: 1 }), 16);
  assert.throws(() => parseInteger('0', { min: 1, max: 10 }), /from 1 to 10/);
  assert.throws(() => parseInteger('1.5'), /expected an integer/);
  assert.equal(parsePort('0', { allowZero: true }), 0);
  assert.throws(() => parsePort('0'), /from 1 to 65535/);
  assert.throws(() => parsePort('70000'), /port number/);
});
await test('numbers, ports, URLs, lists: checks URL protocols and never echoes the input', () => {
  assert.equal(parseUrl('https://example.com/x', { protocols: ['https:'] }), 'https://example.com/x');
  assert.throws(() => parseUrl('ftp://user:hunter2@example.com', { protocols: ['http:', 'https:'] }), (error: Error) =>
    /http:\/\/ or https:\/\//.test(error.message) && !error.message.includes('hunter2'));
  assert.throws(() => parseUrl('not a url'), /absolute URL/);
});
await test('numbers, ports, URLs, lists: parses comma lists item by item and names the bad item', () => {
  assert.deepEqual(parseList(' a:1, b:2 ,', parseHostPort), ['a:1', 'b:2']);
  assert.deepEqual(parseList('[::1]:9092', parseHostPort), ['[::1]:9092']);
  assert.throws(() => parseList('a:1,localhost', parseHostPort), /item 2 of the comma-separated list: expected host:port/);
  assert.throws(() => parseList(' , ', parseHostPort), /at least one item/);
});
