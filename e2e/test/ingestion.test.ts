import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { api } from './support/api.js';
import { beekeepingParagraphs, lighthouseMarkdown, makePdf, wrap } from './support/corpus.js';
import { asTenant, database, embeddingModel, expectedChunks, nearestChunk } from './support/local.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

let pipeline: Pipeline;
const pool = database();
before(async () => {
  pipeline = await startPipeline();
});
after(async () => {
  await pipeline?.close();
  await pool.end();
  const model = await embeddingModel();
  await model.close();
});

const chunkRows = async (tenant: string, documentId: string) =>
  (await asTenant<{ dims: number; document_version: string; text: string }>(pool, tenant,
    `SELECT vector_dims(embedding) AS dims, document_version, text FROM chunks WHERE tenant_id = $1 AND document_id = $2 ORDER BY chunk_index`,
    [tenant, documentId],
  )).rows;

const modelMisses = () => pipeline.metric('embedding', 'rivulet_embedding_cache_lookups_total', { result: 'miss' });

test('a Markdown file and a PDF become searchable chunks: right chunk count, 384-d vectors, nearest neighbour is their own chunk', { timeout: 180_000 }, async () => {
  const client = api(pipeline);
  const markdown = await client.postFile({ name: 'lighthouse.md', type: 'text/markdown', content: Buffer.from(lighthouseMarkdown) }, { id: 'lighthouse' });
  assert.equal(markdown.status, 202);
  const pdfBytes = await makePdf([beekeepingParagraphs.slice(0, 2).flatMap((paragraph) => [...wrap(paragraph), '']), wrap(beekeepingParagraphs[2]!)]);
  const pdf = await client.postFile({ name: 'bees.pdf', type: 'application/pdf', content: pdfBytes }, { id: 'bees' });
  assert.equal(pdf.status, 202);

  const [markdownDone, pdfDone] = await Promise.all([client.waitFor('lighthouse'), client.waitFor('bees')]);
  assert.equal(markdownDone.status, 'completed', JSON.stringify(markdownDone));
  assert.equal(pdfDone.status, 'completed', JSON.stringify(pdfDone));
  const expectedMarkdown = await expectedChunks(Buffer.from(lighthouseMarkdown), { mimeType: 'text/markdown' });
  const expectedPdf = await expectedChunks(pdfBytes, { mimeType: 'application/pdf' });
  assert.equal(markdownDone.chunks, expectedMarkdown.length);
  assert.equal(pdfDone.chunks, expectedPdf.length);

  const rows = await chunkRows(pipeline.tenant, 'lighthouse');
  assert.equal(rows.length, expectedMarkdown.length);
  assert.ok(rows.every((row) => row.dims === 384));
  assert.deepEqual(rows.map((row) => row.text), expectedMarkdown.map((chunk) => chunk.text));

  const model = await embeddingModel();
  const [aboutLens, aboutBees] = await model.embed(['How far could the beam of the old lighthouse lens be seen?', 'How many eggs can a queen bee lay each day?']);
  assert.equal((await nearestChunk(pool, pipeline.tenant, aboutLens!))?.document_id, 'lighthouse');
  assert.equal((await nearestChunk(pool, pipeline.tenant, aboutBees!))?.document_id, 'bees');
});

test('re-ingesting an unchanged document embeds nothing; changing one paragraph re-embeds only the chunks that changed', { timeout: 180_000 }, async () => {
  const client = api(pipeline);
  const unique = randomBytes(4).toString('hex');
  const paragraphs = Array.from({ length: 8 }, (_, index) => `Section ${index} of the ${unique} handbook. ${'The procedure is described step by step with every detail a new operator needs. '.repeat(4)}`);
  const first = paragraphs.join('\n\n');
  await client.postText({ id: 'handbook', text: first });
  const v1 = await client.waitFor('handbook');
  assert.equal(v1.status, 'completed');

  const before = await modelMisses();
  await client.postText({ id: 'handbook', text: first });
  const again = await client.waitFor('handbook');
  assert.equal(again.status, 'completed');
  assert.equal(again.chunks, v1.chunks, 'chunk count unchanged');
  assert.equal(await modelMisses(), before, 'no text embedded for an unchanged document');

  const changed = [...paragraphs];
  changed[3] = `Section 3 was rewritten in ${unique}-v2: the valves are now opened before the pumps start, never after.`;
  const second = changed.join('\n\n');
  await client.postText({ id: 'handbook', text: second });
  const v2 = await client.waitFor('handbook', { statuses: ['completed', 'failed'] });
  assert.equal(v2.status, 'completed');
  const oldTexts = new Set((await expectedChunks(Buffer.from(first), { mimeType: 'text/plain' })).map((chunk) => chunk.text));
  const newChunks = await expectedChunks(Buffer.from(second), { mimeType: 'text/plain' });
  const changedChunks = new Set(newChunks.filter((chunk) => !oldTexts.has(chunk.text)).map((chunk) => chunk.text)).size;
  assert.ok(changedChunks > 0 && changedChunks < newChunks.length, `some but not all chunks changed (${changedChunks}/${newChunks.length})`);
  assert.equal(await modelMisses() - before, changedChunks, 'only the changed chunks reached the model');
  const rows = await chunkRows(pipeline.tenant, 'handbook');
  assert.equal(rows.length, newChunks.length, 'only the new version is searchable');
  assert.equal(new Set(rows.map((row) => row.document_version)).size, 1, 'one version, never a mix');
});

test('a deleted document disappears from search', { timeout: 120_000 }, async () => {
  const client = api(pipeline);
  await client.postText({ id: 'to-delete', text: 'The orchard behind the mill grows eleven kinds of heritage apples, pressed for cider every October.' });
  assert.equal((await client.waitFor('to-delete')).status, 'completed');
  assert.equal(await client.delete('to-delete'), 202);
  const deleted = await client.waitFor('to-delete', { statuses: ['deleted'] });
  assert.equal(deleted.chunks, 0);
  assert.equal((await chunkRows(pipeline.tenant, 'to-delete')).length, 0);
  const model = await embeddingModel();
  const [question] = await model.embed(['Which apples grow behind the mill?']);
  assert.notEqual((await nearestChunk(pool, pipeline.tenant, question!))?.document_id, 'to-delete');
  assert.equal(await client.delete('never-existed'), 404);
});

test('bad documents fail with a specific reason, the workers stay up, and the next good document is indexed', { timeout: 180_000 }, async (context) => {
  const client = api(pipeline);
  const pdf = await makePdf([wrap(beekeepingParagraphs[0]!)]);
  const zip = Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(2048)]);
  // A real decompression bomb: 100 MB of zeros in ~100 kB of gzip, posing as Markdown.
  const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024), { level: 9 });
  const cases: [string, { name: string; type: string; content: Uint8Array }, string][] = [
    ['empty', { name: 'empty.txt', type: 'text/plain', content: new Uint8Array() }, 'empty_document'],
    ['binary', { name: 'notes.txt', type: 'text/plain', content: randomBytes(4096) }, 'not_text'],
    ['truncated', { name: 'cut.pdf', type: 'application/pdf', content: pdf.subarray(0, Math.floor(pdf.length / 2)) }, 'invalid_pdf'],
    ['zip', { name: 'report.pdf', type: 'application/pdf', content: zip }, ''],
    ['bomb', { name: 'notes.md', type: 'text/markdown', content: bomb }, ''],
  ];
  const refusedAtOnce = new Map<string, string | undefined>();
  for (const [id, file] of cases) {
    const response = await client.postFile(file, { id });
    // Refused at the door (4xx with a code) or accepted and then failed by the pipeline: both are clear.
    if (response.status !== 202) {
      assert.ok(response.status === 400 || response.status === 413 || response.status === 422, `${id}: HTTP ${response.status}`);
      assert.ok(response.body.error?.code, `${id}: an error code`);
      refusedAtOnce.set(id, response.body.error?.code);
    }
  }
  for (const [id, , code] of cases) {
    if (refusedAtOnce.has(id)) continue;
    const result = await client.waitFor(id, { statuses: ['failed'] }).catch(async () => (await client.get(id)).body);
    assert.equal(result.status, 'failed', `${id}: ${JSON.stringify(result)}`);
    if (code) assert.equal(result.error?.code, code, `${id}: ${JSON.stringify(result)}`);
    else assert.ok(result.error?.code && result.error.message, `${id} has a reason`);
  }

  context.diagnostic(`refused by the ingress: ${JSON.stringify([...refusedAtOnce])}`);
  const oversized = await client.postLarge(Buffer.alloc(21 * 1024 * 1024, 'a'), 'huge.txt');
  assert.equal(oversized.status, 413);
  assert.equal(oversized.body.error?.code, 'payload_too_large');

  for (const name of ['ingestion', 'embedding', 'indexer'] as const) {
    assert.equal((await fetch(`${pipeline.opsUrl(name)!}/health`)).status, 200, `${name} is alive`);
  }
  await client.postText({ id: 'after-bad', text: 'A good document after the bad ones: the ferry leaves the harbour at seven every morning.' });
  assert.equal((await client.waitFor('after-bad')).status, 'completed');
});
