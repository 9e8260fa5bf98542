import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { closeDocumentParsers, DocumentError, parseDocument } from '../src/index.js';
import { makePdf, makeZip } from './helpers/files.js';
import { refusal } from './helpers/refusal.js';

after(() => closeDocumentParsers());

test('plain text: BOM and CRLF removed, NFC, hash of the extracted text, same bytes same result', async () => {
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Cafe\u0301 au lait.  \r\nSecond line.\r\n\r\n\r\n\r\nThird paragraph.\r\n')]);
  const parsed = await parseDocument({ content: bytes, mimeType: 'text/plain; charset=utf-8' });
  assert.equal(parsed.format, 'text');
  assert.equal(parsed.text, 'Café au lait.\nSecond line.\n\nThird paragraph.');
  assert.equal(parsed.contentHash, `sha256:${createHash('sha256').update(parsed.text).digest('hex')}`);
  assert.equal(parsed.title, undefined);
  assert.deepEqual(await parseDocument({ content: Buffer.from(bytes) }), parsed);
});

test('Markdown: headings, link text and code stay; markup, URLs and front matter go', async () => {
  const markdown = [
    '---', 'title: front matter is dropped', '---', '',
    '# Getting *started* with `rivulet`', '',
    'Read the [operations guide](https://example.com/ops) and **then** ~~skip~~ run it. ![Diagram](d.png)', '',
    '```ts', 'const topic = "chunk-created";', '```', '',
    '- first item', '- second [item][ref]', '', '[ref]: https://example.com/ref', '',
    '> quoted wisdom', '',
    '| Name | Size |', '| --- | --- |', '| a.pdf | 2 MB |', '',
    '<div>inline <b>html</b><script>alert("x")</script></div>', '',
    '---', '', 'Last words.',
  ].join('\n');
  const parsed = await parseDocument({ content: Buffer.from(markdown), fileName: 'guide.md' });
  assert.equal(parsed.format, 'markdown');
  assert.equal(parsed.title, 'Getting started with rivulet');
  assert.equal(parsed.text, [
    'Getting started with rivulet', '',
    'Read the operations guide and then skip run it. Diagram', '',
    'const topic = "chunk-created";', '',
    'first item', 'second item', '',
    'quoted wisdom', '',
    'Name | Size', 'a.pdf | 2 MB', '',
    'inline html', '',
    'Last words.',
  ].join('\n'));
  for (const noise of ['https://', '**', '```', '#', 'front matter', 'alert']) assert.ok(!parsed.text.includes(noise), noise);
});

test('HTML: text only, no script/style/comments, blocks become paragraphs, entities decoded', async () => {
  const html = `<!DOCTYPE html>
<html><head><title> Quarterly &amp; annual   report </title>
<style>body { color: red } .secret { display: none }</style>
<script>var leaked = "SCRIPT_TEXT";</script></head>
<body>
  <!-- COMMENT_TEXT -->
  <h1>Results &mdash; 2025</h1>
  <p>Revenue grew&nbsp;by <b>12&#37;</b>,
     more than   expected.<br>Costs fell.</p>
  <ul><li>North</li><li>South</li></ul>
  <table><tr><th>Region</th><th>Growth</th></tr><tr><td>North</td><td>15%</td></tr></table>
  <pre>  keep   this
  spacing</pre>
  <div hidden>HIDDEN_TEXT</div><noscript>NOSCRIPT_TEXT</noscript>
  <script type="module">import "SCRIPT_TEXT_2";</script>
  <p>&lt;not a tag&gt; &quot;quoted&quot; caf&eacute;</p>
</body></html>`;
  const parsed = await parseDocument({ content: Buffer.from(html), mimeType: 'text/html' });
  assert.equal(parsed.format, 'html');
  assert.equal(parsed.title, 'Quarterly & annual report');
  assert.equal(parsed.text, [
    'Results — 2025', '',
    'Revenue grew by 12%, more than expected.', 'Costs fell.', '',
    'North', 'South', '',
    'Region | Growth', 'North | 15%', '',
    '  keep   this', '  spacing', '',
    '<not a tag> "quoted" café',
  ].join('\n'));
  for (const hidden of ['SCRIPT_TEXT', 'COMMENT_TEXT', 'color: red', 'HIDDEN_TEXT', 'NOSCRIPT_TEXT', 'Quarterly']) {
    assert.ok(!parsed.text.includes(hidden), hidden);
  }
});

test('type detection: MIME type, then extension, then content', async () => {
  const html = Buffer.from('<!doctype html><p>Hello <i>there</i></p>');
  assert.equal((await parseDocument({ content: html })).format, 'html');
  assert.equal((await parseDocument({ content: html, fileName: 'page.txt' })).format, 'text');
  assert.equal((await parseDocument({ content: html, mimeType: 'text/html', fileName: 'page.txt' })).format, 'html');
  assert.equal((await parseDocument({ content: Buffer.from('# Title\n\nBody'), mimeType: 'application/octet-stream', fileName: 'NOTES.MD' })).format, 'markdown');
  assert.equal((await parseDocument({ content: Buffer.from('plain words') })).format, 'text');
  const pdf = await makePdf([['Sniffed by its header.']]);
  assert.equal((await parseDocument({ content: pdf, fileName: 'download' })).format, 'pdf');
  await assert.rejects(parseDocument({ content: Buffer.from('x'), mimeType: 'image/png' }), refusal('unsupported_type', /image\/png/));
  await assert.rejects(parseDocument({ content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) }), refusal('unsupported_type', /PNG image/));
});

test('empty and whitespace-only files are empty_document', async () => {
  await assert.rejects(parseDocument({ content: Buffer.alloc(0), fileName: 'empty.txt' }), refusal('empty_document', /"empty.txt" is empty/));
  await assert.rejects(parseDocument({ content: Buffer.from(' \n\t\r\n '), mimeType: 'text/plain' }), refusal('empty_document'));
  await assert.rejects(parseDocument({ content: Buffer.from([0xef, 0xbb, 0xbf]), mimeType: 'text/markdown' }), refusal('empty_document'));
});

test('one NUL in an otherwise plain text, Markdown or HTML upload is not_text, a final failure (the ingress refuses a NUL only in inline text)', async () => {
  const text = `${'A sentence of ordinary words. '.repeat(200)}\u0000${' And more words.'.repeat(50)}`;
  for (const [mimeType, content] of [['text/plain', text], ['text/markdown', `# Title\n\n${text}`], ['text/html', `<p>${text}</p>`]] as const) {
    await assert.rejects(parseDocument({ content: Buffer.from(content), mimeType }), refusal('not_text', /NUL bytes/), mimeType);
  }
});

test('markup with no text in it is no_text', async () => {
  await assert.rejects(parseDocument({ content: Buffer.from('<html><script>only()</script><style>a{}</style></html>'), mimeType: 'text/html' }), refusal('no_text'));
});

test('binary posing as text is not_text: random bytes, a PNG, Latin-1, UTF-16', async () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'), randomBytes(200)]);
  await assert.rejects(parseDocument({ content: png, mimeType: 'text/plain' }), refusal('not_text', /PNG image/));
  await assert.rejects(parseDocument({ content: randomBytes(4096), mimeType: 'text/plain' }), refusal('not_text', /UTF-8|binary/));
  // Random bytes without NULs are refused as invalid UTF-8.
  const noNul = Buffer.from(randomBytes(4096).map((byte) => byte || 1));
  await assert.rejects(parseDocument({ content: noNul, fileName: 'notes.md' }), refusal('not_text', /not valid UTF-8/));
  await assert.rejects(parseDocument({ content: Buffer.from('Déjà vu: où est le café? Très bien, merci.', 'latin1'), fileName: 'a.txt' }), refusal('not_text', /Latin-1/));
  await assert.rejects(parseDocument({ content: Buffer.from('\ufeffhello', 'utf16le'), fileName: 'a.txt' }), refusal('not_text', /UTF-16/));
  // Control characters that are valid UTF-8 but no text.
  await assert.rejects(parseDocument({ content: Buffer.from('\x01\x02\x03\x04\x05abc\x06\x07\x08'), mimeType: 'text/plain' }), refusal('not_text', /non-printable/));
  // A stray invalid byte in a long text is tolerated (and becomes U+FFFD).
  const mostlyFine = Buffer.concat([Buffer.from('word '.repeat(200)), Buffer.from([0xff]), Buffer.from(' end')]);
  assert.match((await parseDocument({ content: mostlyFine, mimeType: 'text/plain' })).text, /\ufffd end$/);
});

test('archives renamed as documents are refused without being unpacked', async () => {
  const bomb = Buffer.alloc(50_000_000); // zeros: a 50 MB entry that deflates to about 50 kB
  const zip = makeZip('word/document.xml', bomb);
  const gzip = gzipSync(bomb);
  for (const [content, fileName, mimeType, what] of [
    [zip, 'report.pdf', undefined, /ZIP archive/], [zip, 'notes.md', undefined, /ZIP archive/],
    [zip, 'letter.docx', undefined, /Word/], [gzip, 'notes.md', 'text/markdown', /gzip/], [gzip, 'paper.pdf', 'application/pdf', /gzip/],
  ] as const) {
    const started = performance.now();
    await assert.rejects(parseDocument({ content, fileName, ...(mimeType ? { mimeType } : {}) }), refusal('unsupported_type', what));
    assert.ok(performance.now() - started < 1_000, 'refused at once');
  }
});

test('over-size input is too_large before any parsing', async () => {
  // Garbage that would fail as not_text if it were read at all.
  await assert.rejects(parseDocument({ content: randomBytes(2_000), mimeType: 'text/plain' }, { maxBytes: 1_000 }), refusal('too_large', /2 kB; at most 1 kB/));
  await assert.rejects(parseDocument({ content: Buffer.from('word '.repeat(100)) }, { maxTextCharacters: 100 }), refusal('too_large', /characters/));
});

test('invalid limits are a RangeError, content that is not bytes a TypeError', async () => {
  await assert.rejects(parseDocument({ content: Buffer.from('x') }, { timeoutMs: 0 }), RangeError);
  await assert.rejects(parseDocument({ content: Buffer.from('x') }, { maxBytes: 1.5 }), RangeError);
  await assert.rejects(parseDocument({ content: 'text' as unknown as Buffer }), TypeError);
});

test('hostile markup is read or refused quickly, never left to hang', async () => {
  const cases = [
    { content: '>'.repeat(100_000) + ' x', fileName: 'quotes.md' },
    { content: '['.repeat(200_000) + 'x' + ']'.repeat(200_000), fileName: 'brackets.md' },
    { content: '*a '.repeat(200_000), fileName: 'emphasis.md' },
    { content: ' '.repeat(5_000_000) + 'x', fileName: 'spaces.txt' },
    { content: '<p>x'.repeat(500_000), fileName: 'unclosed.html' },
  ];
  for (const { content, fileName } of cases) {
    const started = performance.now();
    await parseDocument({ content: Buffer.from(content), fileName }).catch((error: unknown) => assert.ok(error instanceof DocumentError));
    assert.ok(performance.now() - started < 3_000, `${fileName} took ${performance.now() - started} ms`);
  }
  const started = performance.now();
  await assert.rejects(parseDocument({ content: Buffer.from('<div>'.repeat(500_000) + 'x'), fileName: 'deep.html' }), refusal('unsupported_type', /nested more than 10,000 deep/));
  assert.ok(performance.now() - started < 1_000);
});

test('a large Markdown file is parsed in sections without splitting a code fence', async () => {
  const filler = Array.from({ length: 12_000 }, (_, index) => `Paragraph ${index} has *some* text.`);
  const code = Array.from({ length: 60_000 }, (_, index) => `let x${index} = *not emphasis*;`);
  const markdown = `${filler.join('\n\n')}\n\n\`\`\`\n${code.join('\n\n')}\n\`\`\`\n\n${filler.join('\n\n')}\n`;
  assert.ok(markdown.length > 2_000_000);
  const parsed = await parseDocument({ content: Buffer.from(markdown), fileName: 'big.md' });
  const prose = filler.map((line) => line.replace(/\*/g, '')).join('\n\n');
  assert.equal(parsed.text, `${prose}\n\n${code.join('\n\n')}\n\n${prose}`);
});
