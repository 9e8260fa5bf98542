import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadBeirDataset, parseQrels } from '../quality/beir.js';

test('qrels: header skipped, CRLF accepted, graded scores kept', () => {
  const qrels = parseQrels('query-id\tcorpus-id\tscore\r\n1\t10\t1\r\n1\t11\t2\r\n3\t12\t0\r\n');
  assert.deepEqual([...qrels.keys()], ['1', '3']);
  assert.equal(qrels.get('1')?.get('11'), 2);
  assert.equal(qrels.get('3')?.get('12'), 0);
  assert.equal(parseQrels('1\t10\t1\n').get('1')?.get('10'), 1, 'no header');
  assert.throws(() => parseQrels('q\td\ts\n1\t10\tx\n'), /not a number/);
});

test('a BEIR folder with a gzipped or a plain corpus; only judged queries are kept', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'bench-beir-'));
  try {
    await mkdir(join(folder, 'qrels'));
    await writeFile(join(folder, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\r\nq1\td2\t1\r\n');
    await writeFile(join(folder, 'queries.jsonl'), '{"_id": "q1", "text": "first"}\n{"_id": "q2", "text": "unjudged"}\n');
    const corpus = '{"_id": "d1", "title": "One", "text": "alpha"}\n{"_id": "d2", "title": "", "text": "beta"}\n';
    await writeFile(join(folder, 'corpus.jsonl.gz'), gzipSync(corpus));
    const gzipped = await loadBeirDataset(folder);
    assert.deepEqual(gzipped.corpus, [{ id: 'd1', title: 'One', text: 'alpha' }, { id: 'd2', title: '', text: 'beta' }]);
    assert.deepEqual(gzipped.queries, [{ id: 'q1', text: 'first' }]);
    await rm(join(folder, 'corpus.jsonl.gz'));
    await writeFile(join(folder, 'corpus.jsonl'), corpus);
    assert.equal((await loadBeirDataset(folder)).corpus.length, 2);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
