import { constants, createInflate } from 'node:zlib';

/**
 * Measuring decoders for PDF stream filters: they count how many bytes a stream inflates to without ever
 * holding the output, so a 1 GB bomb is measured in a few kilobytes of memory and stopped at the limit.
 */

/**
 * Bytes that `stages` chained zlib (FlateDecode) filters produce from `data`, or a number above `limit`
 * as soon as the count passes it. Corrupt or truncated data counts what inflated before the damage.
 */
export const countInflatedBytes = (data: Uint8Array, stages: number, limit: number): Promise<number> =>
  new Promise((resolve) => {
    const inflaters = Array.from({ length: Math.max(1, stages) }, () =>
      createInflate({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: 64 * 1024 }));
    let count = 0, settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      for (const inflater of inflaters) inflater.destroy();
      resolve(count);
    };
    for (const [index, inflater] of inflaters.entries()) {
      inflater.on('error', settle);
      const next = inflaters[index + 1];
      if (next) inflater.pipe(next);
    }
    const last = inflaters[inflaters.length - 1]!;
    last.on('data', (chunk: Buffer) => {
      count += chunk.length;
      if (count > limit) settle();
    });
    last.on('end', settle);
    last.on('close', settle);
    inflaters[0]!.end(data);
  });

/**
 * Output length of an LZWDecode stream, computed from the code lengths alone (each table entry is one byte
 * longer than the entry it extends), so nothing is materialised. Stops once past `limit`.
 */
export const countLzwBytes = (data: Uint8Array, limit: number, earlyChange = 1): number => {
  const lengths = new Uint32Array(4096).fill(1, 0, 256);
  let bitBuffer = 0, bitCount = 0, width = 9, next = 258, previous = -1, total = 0;
  for (const byte of data) {
    bitBuffer = ((bitBuffer << 8) | byte) & 0xffffff;
    bitCount += 8;
    while (bitCount >= width) {
      const code = (bitBuffer >>> (bitCount - width)) & ((1 << width) - 1);
      bitCount -= width;
      if (code === 256) {
        width = 9; next = 258; previous = -1;
        continue;
      }
      if (code === 257) return total;
      let length: number;
      if (previous === -1) length = code < 256 ? 1 : 0;
      else if (code < next) length = lengths[code]!;
      else if (code === next) length = lengths[previous]! + 1;
      else return total; // corrupt: a reader stops here too
      total += length;
      if (total > limit) return total;
      if (previous !== -1 && next < 4096) lengths[next++] = lengths[previous]! + 1;
      previous = code;
      if (next + earlyChange >= 1 << width && width < 12) width++;
    }
  }
  return total;
};

const isPdfWhitespace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c || byte === 0x00;

/** ASCIIHexDecode: two hex digits a byte, whitespace ignored, `>` ends the data. */
export const decodeAsciiHex = (data: Uint8Array): Uint8Array => {
  const output = new Uint8Array(Math.ceil(data.length / 2));
  let length = 0, high = -1;
  for (const byte of data) {
    if (byte === 0x3e) break;
    if (isPdfWhitespace(byte)) continue;
    const digit = byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66 ? (byte | 0x20) - 0x57 : -1;
    if (digit < 0) break;
    if (high < 0) high = digit;
    else { output[length++] = (high << 4) | digit; high = -1; }
  }
  if (high >= 0) output[length++] = high << 4;
  return output.subarray(0, length);
};

/** ASCII85Decode: five characters give four bytes, `z` gives four zeros, `~>` ends the data. */
export const decodeAscii85 = (data: Uint8Array): Uint8Array => {
  let zeroGroups = 0;
  for (const byte of data) if (byte === 0x7a) zeroGroups++;
  const output = new Uint8Array(zeroGroups * 4 + Math.ceil((data.length - zeroGroups) / 5) * 4 + 4);
  let length = 0, group = 0, digits = 0;
  for (const byte of data) {
    if (byte === 0x7e) break;
    if (isPdfWhitespace(byte)) continue;
    if (byte === 0x7a && digits === 0) {
      length += 4;
      continue;
    }
    if (byte < 0x21 || byte > 0x75) break;
    group = group * 85 + (byte - 0x21);
    if (++digits === 5) {
      output[length++] = (group >>> 24) & 0xff; output[length++] = (group >>> 16) & 0xff;
      output[length++] = (group >>> 8) & 0xff; output[length++] = group & 0xff;
      group = 0; digits = 0;
    }
  }
  if (digits > 1) {
    for (let pad = digits; pad < 5; pad++) group = group * 85 + 84;
    for (let index = 0; index < digits - 1; index++) output[length++] = (group >>> (24 - 8 * index)) & 0xff;
  }
  return output.subarray(0, length);
};
