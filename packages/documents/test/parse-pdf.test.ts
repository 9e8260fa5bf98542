import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { closeDocumentParsers, parseDocument } from '../src/index.js';
import { deflateZeros, encodeLzw, makePdf, makeRawPdf } from './helpers/files.js';
import { refusal } from './helpers/refusal.js';

after(() => closeDocumentParsers());

const twoPages = [
  ['Kafka carries every event.', 'Consumers commit offsets after work.'],
  ['Chunks are embedded one by one.', 'The second page ends here.'],
];

test('a two-page PDF parses to its known text, title and page offsets', async () => {
  const pdf = await makePdf(twoPages, 'Rivulet design notes');
  await parseDocument({ content: pdf, mimeType: 'application/pdf' }); // warm the parser thread: timings below are per parse
  const started = performance.now();
  const parsed = await parseDocument({ content: pdf, mimeType: 'application/pdf' });
  const elapsed = performance.now() - started;
  console.log(`parse of a 2-page PDF (${pdf.length} bytes), warm thread: ${elapsed.toFixed(1)} ms`);
  assert.equal(parsed.format, 'pdf');
  assert.equal(parsed.pages, 2);
  assert.equal(parsed.title, 'Rivulet design notes');
  // The 40-point gap between the drawn lines is wider than a line, so each line is a paragraph.
  assert.equal(parsed.text, [twoPages[0]!.join('\n\n'), twoPages[1]!.join('\n\n')].join('\n\n'));
  assert.deepEqual(parsed.pageOffsets, [0, twoPages[0]!.join('\n\n').length + 2]);
  assert.equal(parsed.text.slice(parsed.pageOffsets?.[1] ?? 0), twoPages[1]!.join('\n\n'));
  assert.deepEqual(await parseDocument({ content: pdf, fileName: 'notes.pdf' }), parsed, 'deterministic');
});

test('a truncated or corrupt PDF is invalid_pdf', async () => {
  const pdf = await makePdf(twoPages);
  for (const fraction of [0.2, 0.5, 0.8, 0.97]) {
    const truncated = pdf.subarray(0, Math.floor(pdf.length * fraction));
    await assert.rejects(parseDocument({ content: truncated, fileName: 'cut.pdf' }), refusal('invalid_pdf', /truncated/));
  }
  // Complete on the outside, garbage inside: PDF.js itself refuses it.
  const gutted = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2_000, 0x41), Buffer.from('\n%%EOF\n')]);
  await assert.rejects(parseDocument({ content: gutted, fileName: 'gutted.pdf' }), refusal('invalid_pdf', /damaged/));
  await assert.rejects(parseDocument({ content: Buffer.from('<!DOCTYPE html><html>Not found</html>'), fileName: 'paper.pdf' }), refusal('invalid_pdf', /HTML page/));
});

test('more pages than maxPages is too_many_pages', async () => {
  const pdf = await makePdf([['one'], ['two'], ['three'], ['four']]);
  await assert.rejects(parseDocument({ content: pdf, fileName: 'long.pdf' }, { maxPages: 3 }), refusal('too_many_pages', /4 pages; at most 3/));
  assert.equal((await parseDocument({ content: pdf, fileName: 'long.pdf' }, { maxPages: 4 })).pages, 4);
});

test('a PDF without a text layer (scanned) is no_text', async () => {
  await assert.rejects(parseDocument({ content: await makePdf([[], []]), fileName: 'scan.pdf' }), refusal('no_text', /OCR/));
});

test('a PDF whose stream inflates to 300 MB is a decompression_bomb, refused fast with bounded memory', async () => {
  const inflated = 300_000_000;
  const bomb = makeRawPdf(await deflateZeros(inflated), '/FlateDecode');
  assert.ok(bomb.length < 2_000_000, `the bomb is a small file (${bomb.length} bytes)`);
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  // Default limits: 200 MB of inflated streams at most.
  await assert.rejects(parseDocument({ content: bomb, fileName: 'bomb.pdf' }), refusal('decompression_bomb', /more than 200 MB/));
  const elapsed = performance.now() - started;
  const grown = process.memoryUsage.rss() - rssBefore;
  console.log(`decompression bomb (${bomb.length} bytes -> ${inflated / 1e6} MB) refused in ${elapsed.toFixed(0)} ms, RSS grew ${(grown / 1e6).toFixed(0)} MB`);
  assert.ok(elapsed < 5_000, `refused in ${elapsed} ms`);
  assert.ok(grown < 150_000_000, `RSS grew by ${grown} bytes`);
  // The process is fine and parses the next document.
  assert.equal((await parseDocument({ content: await makePdf([['Still alive.']]) })).text, 'Still alive.');
});

test('chained filters cannot hide a bomb: Flate in Flate, and ASCII85 around Flate', async () => {
  const zeros = await deflateZeros(20_000_000);
  const limits = { maxDecompressedBytes: 10_000_000 };
  await assert.rejects(parseDocument({ content: makeRawPdf(deflateSync(zeros), '[/FlateDecode /FlateDecode]'), fileName: 'nested.pdf' }, limits), refusal('decompression_bomb'));
  const ascii85 = Buffer.from(`${encodeAscii85(zeros)}~>`, 'latin1');
  await assert.rejects(parseDocument({ content: makeRawPdf(ascii85, '[/A85 /Fl]'), fileName: 'ascii.pdf' }, limits), refusal('decompression_bomb'));
  // Under the limit the same construction parses (a page with no text).
  await assert.rejects(parseDocument({ content: makeRawPdf(deflateSync(deflateSync(Buffer.alloc(1_000))), '[/FlateDecode /FlateDecode]') }, limits), refusal('no_text'));
});

test('LZW and ASCIIHex streams: PDF.js reads what the test encodes, and an LZW bomb is measured too', async () => {
  const page = Buffer.from('BT /F1 24 Tf 72 700 Td (Hello from an LZW stream) Tj ET');
  assert.equal((await parseDocument({ content: makeRawPdf(encodeLzw(page), '/LZWDecode') })).text, 'Hello from an LZW stream');
  assert.equal((await parseDocument({ content: makeRawPdf(Buffer.from(`${page.toString('hex')}>`), '/AHx') })).text, 'Hello from an LZW stream');
  const bomb = makeRawPdf(encodeLzw(Buffer.alloc(30_000_000, 0x20)), '/LZWDecode');
  await assert.rejects(parseDocument({ content: bomb, fileName: 'lzw.pdf' }, { maxDecompressedBytes: 10_000_000 }), refusal('decompression_bomb'));
});

test('a parse that exceeds timeoutMs is stopped: parse_timeout, and the next parse works', async () => {
  // With the bomb check lifted, the check itself takes about 0.3 s and PDF.js would then spend several
  // seconds inflating 300 MB in JavaScript: the timeout has to stop PDF.js mid-parse.
  const bomb = makeRawPdf(await deflateZeros(300_000_000), '/FlateDecode');
  const started = performance.now();
  await assert.rejects(parseDocument({ content: bomb, fileName: 'slow.pdf' }, { maxDecompressedBytes: 2_000_000_000, timeoutMs: 1_500 }), refusal('parse_timeout', /1500 ms/));
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 2_500, `stopped after ${elapsed} ms`);
  assert.equal((await parseDocument({ content: await makePdf([['After the timeout.']]) })).text, 'After the timeout.');
});

/** ASCII85 (btoa's cousin used by PostScript and PDF), with `z` for four zero bytes. */
const encodeAscii85 = (data: Buffer): string => {
  let output = '';
  for (let index = 0; index < data.length; index += 4) {
    const group = data.subarray(index, index + 4);
    const padded = Buffer.concat([group, Buffer.alloc(4 - group.length)]);
    let value = padded.readUInt32BE(0);
    if (value === 0 && group.length === 4) {
      output += 'z';
      continue;
    }
    const digits: string[] = [];
    for (let digit = 0; digit < 5; digit++) {
      digits.unshift(String.fromCharCode(0x21 + (value % 85)));
      value = Math.floor(value / 85);
    }
    output += digits.slice(0, group.length + 1).join('');
  }
  return output;
};
