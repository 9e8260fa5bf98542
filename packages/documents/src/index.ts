export { parseDocument } from './parse-document.js';
export { closeParserThreads as closeDocumentParsers } from './parser-thread.js';
export type { ParsedDocument } from './parse-content.js';
export type { DocumentFormat, DocumentInput } from './detect.js';
export { defaultParseLimits, type ParseLimits } from './limits.js';
export { DocumentError, documentErrorCodes, type DocumentErrorCode } from './errors.js';
export { chunkText, type Chunk, type ChunkOptions, type Tokenizer } from './chunk.js';
