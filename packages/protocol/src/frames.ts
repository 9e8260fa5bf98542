// The WebSocket protocol of GET /v1/ws (PROTOCOL.md §1 and docs/protocol.md's WebSocket additions):
// every frame a client may send and every frame the server sends, as discriminated unions on `type`.
import type { ErrorBody } from './error-codes.js';

/** A retrieved chunk an answer may cite (`[n]`). */
export interface Source {
  /** 1-based citation number. */
  n: number;
  documentId: string;
  chunkId: string;
  title: string | null;
  score: number;
  snippet: string;
}

export interface AuthFrame {
  type: 'auth';
  token: string;
}

export interface ChatFrame {
  type: 'chat';
  id: string;
  /** 1..32,000 characters. */
  message: string;
  /** Absent: start a new conversation. */
  conversationId?: string;
  /** A router model name, or `auto` (the default). */
  model?: string;
  /** Default `default`. */
  collection?: string;
  /** 1..50. */
  topK?: number;
  /** Metadata key to exact value. */
  filters?: Record<string, string | number | boolean>;
  /** Default true. */
  rag?: boolean;
  /** 0..2. */
  temperature?: number;
  /** 1..32768. */
  maxOutputTokens?: number;
}

/** `text`, or `contentBase64` with `mime`: exactly one of the two. */
export interface IngestDocument {
  id?: string;
  title?: string;
  text?: string;
  contentBase64?: string;
  mime?: string;
}

export interface IngestFrame {
  type: 'ingest';
  id: string;
  document: IngestDocument;
  collection?: string;
  /** Flat: string, number or boolean values. */
  metadata?: Record<string, string | number | boolean>;
}

export interface DeleteDocumentFrame {
  type: 'delete_document';
  id: string;
  documentId: string;
  collection?: string;
}

/** Stops the chat of that `id`; it ends with `error` `cancelled`. */
export interface CancelFrame {
  type: 'cancel';
  id: string;
}

export interface PingFrame {
  type: 'ping';
}

/** Every frame a client may send. */
export type ClientFrame = AuthFrame | ChatFrame | IngestFrame | DeleteDocumentFrame | CancelFrame | PingFrame;
export type ClientFrameType = ClientFrame['type'];

/** The client frame types the server knows, in the order its error message lists them. */
export const CLIENT_FRAME_TYPES = ['auth', 'chat', 'ingest', 'delete_document', 'cancel', 'ping'] as const satisfies readonly ClientFrameType[];

export interface ReadyFrame {
  type: 'ready';
  sessionId: string;
  tenant: string;
}

export interface AckFrame {
  type: 'ack';
  id: string;
  requestId: string;
  conversationId: string;
}

/** Before the first `delta` (and again after a `reset`); empty when nothing is relevant or `rag` is false. */
export interface SourcesFrame {
  type: 'sources';
  id: string;
  sources: Source[];
}

export interface DeltaFrame {
  type: 'delta';
  id: string;
  /** 0, 1, 2, … without gaps, also across `reset` and `failover`. */
  seq: number;
  content: string;
}

/** The model router moved the answer to another deployment; with `afterOutput` the text so far stays valid. */
export interface FailoverFrame {
  type: 'failover';
  id: string;
  from: string;
  to: string;
  reason: string;
  afterOutput: boolean;
}

/** A worker failed while answering and the answer is generated again: discard the text received. */
export interface ResetFrame {
  type: 'reset';
  id: string;
  reason: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface DoneFrame {
  type: 'done';
  id: string;
  conversationId: string;
  messageId: string;
  /** The whole answer: the concatenation of the deltas' `content`. */
  content: string;
  model: string;
  provider: string;
  /** The deployments that wrote the answer, in order. */
  servedBy: string[];
  usage: Usage;
  latencyMs: number;
  costUsd?: number;
  /** `stop`, or `length` when the output token limit cut the answer. */
  finishReason: string | null;
}

export const INGEST_STATUSES = ['accepted', 'processing', 'completed', 'failed', 'deleted'] as const;
export type IngestStatus = (typeof INGEST_STATUSES)[number];

export interface IngestStatusFrame {
  type: 'ingest_status';
  id: string;
  documentId: string;
  status: IngestStatus;
  chunks?: number;
  /** On `failed`: a document status code (docs/protocol.md "Document statuses"). */
  error?: { code: string; message: string; retryable: boolean };
}

/** Without `id`: about the connection or a frame whose id could not be used. */
export interface ErrorFrame extends ErrorBody {
  type: 'error';
  id?: string;
}

export interface PongFrame {
  type: 'pong';
}

/** Every frame the server sends. */
export type ServerFrame =
  | ReadyFrame | AckFrame | SourcesFrame | DeltaFrame | FailoverFrame | ResetFrame | DoneFrame
  | IngestStatusFrame | ErrorFrame | PongFrame;
export type ServerFrameType = ServerFrame['type'];

/** The frames that end a chat: exactly one per chat id. */
export type TerminalFrame = DoneFrame | ErrorFrame;
export const isTerminal = (frame: ServerFrame): frame is TerminalFrame => frame.type === 'done' || frame.type === 'error';

/** WebSocket close statuses of the contract besides the standard ones. */
export const CLOSE_CODES = {
  /** Bad, missing or revoked credentials. */
  unauthorized: 4401,
  /** The API key already has WS_MAX_SOCKETS_PER_KEY sockets open on this instance. */
  tooManySockets: 4429,
  /** RFC 6455 1013: the client stopped reading and its unsent frames piled up. */
  slowConsumer: 1013,
  /** A frame over the size limit. */
  tooLarge: 1009,
} as const;

export const WEBSOCKET_PATH = '/v1/ws';
