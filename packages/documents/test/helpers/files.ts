import { once } from 'node:events';
import { constants, crc32, createDeflate, deflateRawSync } from 'node:zlib';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A real PDF with a text layer: one page per entry, one drawn line per string. */
export const makePdf = async (pages: readonly (readonly string[])[], title?: string): Promise<Buffer> => {
  const document = await PDFDocument.create();
  if (title !== undefined) document.setTitle(title);
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = document.addPage([600, 800]);
    lines.forEach((line, index) => page.drawText(line, { x: 50, y: 700 - index * 40, size: 14, font }));
  }
  return Buffer.from(await document.save());
};

/** zlib-compressed zeros, produced a megabyte at a time so that a 1 GB bomb never sits in memory. */
export const deflateZeros = async (size: number): Promise<Buffer> => {
  const deflate = createDeflate({ level: constants.Z_BEST_SPEED });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const block = Buffer.alloc(1 << 20);
  for (let written = 0; written < size; written += block.length) {
    if (!deflate.write(block.subarray(0, Math.min(block.length, size - written)))) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return Buffer.concat(chunks);
};

/**
 * A minimal, well-formed one-page PDF, written byte by byte, whose content stream is `stream` with the
 * given `/Filter` entry (e.g. `/FlateDecode`): the way to build a PDF whose stream inflates to gigabytes.
 * The page has Helvetica as /F1, so `BT /F1 24 Tf 72 700 Td (text) Tj ET` shows text.
 */
export const makeRawPdf = (stream: Buffer, filter: string): Buffer => {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  const add = (part: Buffer): void => {
    parts.push(part);
    length += part.length;
  };
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>',
  ];
  objects.forEach((body, index) => {
    offsets.push(length);
    add(Buffer.from(`${index + 1} 0 obj\n${body}\nendobj\n`, 'latin1'));
  });
  offsets.push(length);
  add(Buffer.from(`4 0 obj\n<< /Length ${stream.length} /Filter ${filter} >>\nstream\n`, 'latin1'));
  add(stream);
  add(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xref = `xref\n0 5\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  add(Buffer.from(`${xref}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
};

/** A real ZIP archive with one deflated entry (what a .docx, or a zip bomb, is made of). */
export const makeZip = (entryName: string, content: Buffer): Buffer => {
  const name = Buffer.from(entryName);
  const compressed = deflateRawSync(content);
  const checksum = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
  local.writeUInt32LE(checksum, 14); local.writeUInt32LE(compressed.length, 18); local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
  central.writeUInt32LE(checksum, 16); central.writeUInt32LE(compressed.length, 20); central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(name.length, 28);
  const centralOffset = local.length + name.length + compressed.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12); end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, name, compressed, central, name, end]);
};

/**
 * LZW as PDF's LZWDecode reads it (MSB first, 9 to 12 bits, EarlyChange 1, a clear code when the table
 * is full): the tests check it against PDF.js, then the bomb check's LZW counter against it.
 */
export const encodeLzw = (data: Uint8Array): Buffer => {
  const output: number[] = [];
  let bitBuffer = 0, bitCount = 0, width = 9, next = 258;
  const emit = (code: number): void => {
    bitBuffer = ((bitBuffer << width) | code) >>> 0;
    bitCount += width;
    while (bitCount >= 8) {
      output.push((bitBuffer >>> (bitCount - 8)) & 0xff);
      bitCount -= 8;
    }
    bitBuffer &= (1 << bitCount) - 1;
  };
  const table = new Map<number, number>();
  emit(256);
  let prefix = -1;
  for (const byte of data) {
    if (prefix < 0) {
      prefix = byte;
      continue;
    }
    const code = table.get(prefix * 256 + byte);
    if (code !== undefined) {
      prefix = code;
      continue;
    }
    emit(prefix);
    table.set(prefix * 256 + byte, next++);
    if (next >= 1 << width && width < 12) width++;
    if (next >= 4094) {
      emit(256);
      table.clear();
      next = 258;
      width = 9;
    }
    prefix = byte;
  }
  if (prefix >= 0) emit(prefix);
  emit(257);
  if (bitCount > 0) output.push((bitBuffer << (8 - bitCount)) & 0xff);
  return Buffer.from(output);
};
