// @rivulet/protocol: the public client contract (PROTOCOL.md, docs/protocol.md) in types, its
// frame validation, and the one WebSocket client.
export * from './error-codes.js';
export * from './frames.js';
export * from './openai.js';
export * from './validation.js';
export { RivuletSocket, SocketOpenError, webSocketUrlOf, type RivuletSocketOptions, type SocketClosed } from './client.js';
