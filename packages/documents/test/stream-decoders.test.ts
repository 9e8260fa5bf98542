import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { countInflatedBytes, countLzwBytes, decodeAscii85, decodeAsciiHex } from '../src/stream-decoders.js';
import { encodeLzw } from './helpers/files.js';

const samples = (): Buffer[] => [
  Buffer.alloc(0), Buffer.from('a'), randomBytes(100_000), Buffer.alloc(3_000_000),
  Buffer.from('abcabcabd'.repeat(100_000)), Buffer.from('The quick brown fox. '.repeat(5_000)),
];

test('countInflatedBytes: exact for whole streams and chains, partial for truncated ones, 0 for garbage', async () => {
  for (const sample of samples()) {
    assert.equal(await countInflatedBytes(deflateSync(sample), 1, Number.MAX_SAFE_INTEGER), sample.length);
    assert.equal(await countInflatedBytes(deflateSync(deflateSync(sample)), 2, Number.MAX_SAFE_INTEGER), sample.length);
  }
  const big = deflateSync(Buffer.alloc(10_000_000));
  const partial = await countInflatedBytes(big.subarray(0, big.length / 2), 1, Number.MAX_SAFE_INTEGER);
  assert.ok(partial > 1_000_000 && partial < 10_000_000, `truncated stream counted ${partial}`);
  assert.equal(await countInflatedBytes(Buffer.from('not zlib at all'), 1, 100), 0);
  // Stops soon after the limit instead of inflating everything.
  const stopped = await countInflatedBytes(deflateSync(Buffer.alloc(50_000_000)), 1, 1_000_000);
  assert.ok(stopped > 1_000_000 && stopped < 2_000_000, `stopped at ${stopped}`);
});

test('countLzwBytes: the decoded length of LZWDecode data, computed without decoding it', () => {
  for (const sample of samples()) assert.equal(countLzwBytes(encodeLzw(sample), Number.MAX_SAFE_INTEGER), sample.length);
  const bomb = encodeLzw(Buffer.alloc(30_000_000));
  assert.ok(bomb.length < 100_000, `LZW compresses zeros to ${bomb.length} bytes`);
  assert.ok(countLzwBytes(bomb, 5_000_000) > 5_000_000);
});

test('ASCIIHex and ASCII85 decode as PDF defines them', () => {
  assert.equal(Buffer.from(decodeAsciiHex(Buffer.from('48 65 6C\n6c 6F 7>'))).toString('latin1'), 'Hellop'); // an odd last digit is followed by 0
  // Adobe's example: "Man " is "9jqo^".
  assert.equal(Buffer.from(decodeAscii85(Buffer.from('9jqo^~>'))).toString('latin1'), 'Man ');
  assert.deepEqual([...decodeAscii85(Buffer.from('z~>'))], [0, 0, 0, 0]);
  assert.equal(Buffer.from(decodeAscii85(Buffer.from('9jqo^BlbD-BleB1DJ+*+F(f,q/0JhKF<GL>Cj@.4Gp$d7F!,L7@<6@)/0JDEF<G%<+EV:2F!,O<DJ+*.@<*K0@<6L(Df-\\0Ec5e;DffZ(EZee.Bl.9pF"AGXBPCsi+DGm>@3BB/F*&OCAfu2/AKYi(DIb:@FD,*)+C]U=@3BB/F*&OCAfu2/AKYi(DIb:@FD,*)+C]U=@3BB/F*&OCAfu2/AKYi(DIb:@FD,*)+C]U~>'))).toString('latin1').slice(0, 40), 'Man is distinguished, not only by his re');
});
