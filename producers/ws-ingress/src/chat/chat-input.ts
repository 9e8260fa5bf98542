// Chat requests as clients send them (WebSocket `chat`, POST /v1/chat/completions, POST /v1/search),
// checked once into one shape. Every message names the field and what is accepted.
import type { ChatTurn } from '@rivulet/schemas';
import { collectionOf, metadataOf, optionalId, withoutNul } from '../documents/document-input.js';
import { invalidRequest } from '../errors.js';

export const MAX_MESSAGE_CHARS = 32_000;
export const MAX_TOP_K = 50;
export const DEFAULT_TOP_K = 10;
export const MAX_HISTORY_TURNS = 200;
export const MAX_MODEL_NAME = 200;

/** A checked chat (or search) request, before the ingress gives it ids and a route. */
export interface ChatSubmission {
  kind: 'chat' | 'search';
  message: string;
  /** Absent: a new conversation. */
  conversationId: string | undefined;
  clientRequestId: string | null;
  userId: string | null;
  model: string;
  rag: boolean;
  collection: string;
  topK: number;
  filters: Record<string, string>;
  history: ChatTurn[];
  temperature: number | null;
  maxOutputTokens: number | null;
}

export const messageOf = (value: unknown, field = 'message'): string => {
  if (typeof value !== 'string' || value.trim().length === 0) throw invalidRequest(`"${field}" must be a non-empty string.`);
  if (value.length > MAX_MESSAGE_CHARS) throw invalidRequest(`"${field}" has ${value.length} characters; the limit is ${MAX_MESSAGE_CHARS}. Shorten it or send the text as a document.`);
  return withoutNul(value, field);
};

export const topKOf = (value: unknown, field: string): number => {
  if (value === undefined || value === null) return DEFAULT_TOP_K;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TOP_K) {
    throw invalidRequest(`"${field}" must be an integer from 1 to ${MAX_TOP_K}.`);
  }
  return value;
};

/** Search filters: metadata keys to exact values, checked as metadata is (errors name `field`). */
export const filtersOf = (value: unknown, field = 'filters'): Record<string, string> => metadataOf(value, field);

export const modelOf = (value: unknown): string => {
  if (value === undefined || value === null) return 'auto';
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_MODEL_NAME) throw invalidRequest(`"model" must be a model name of 1 to ${MAX_MODEL_NAME} characters, or "auto".`);
  return withoutNul(value, 'model');
};

export const booleanOf = (value: unknown, field: string, fallback: boolean): boolean => {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw invalidRequest(`"${field}" must be true or false.`);
  return value;
};

const optionalNumber = (value: unknown, field: string, min: number, max: number, integer: boolean): number | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw invalidRequest(`"${field}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`);
  }
  return value;
};

export const temperatureOf = (value: unknown): number | null => optionalNumber(value, 'temperature', 0, 2, false);
export const maxTokensOf = (value: unknown, field: string): number | null => optionalNumber(value, field, 1, 32_768, true);

/** The WebSocket `chat` frame (PROTOCOL.md §1). */
export const chatFrameSubmission = (body: Record<string, unknown>, clientRequestId: string): ChatSubmission => ({
  kind: 'chat',
  message: messageOf(body.message),
  conversationId: optionalId(body.conversationId, 'conversationId'),
  clientRequestId,
  userId: null,
  model: modelOf(body.model),
  rag: booleanOf(body.rag, 'rag', true),
  collection: collectionOf(body.collection),
  topK: topKOf(body.topK, 'topK'),
  filters: filtersOf(body.filters),
  history: [],
  temperature: temperatureOf(body.temperature),
  maxOutputTokens: maxTokensOf(body.maxOutputTokens, 'maxOutputTokens'),
});

/** POST /v1/search (PROTOCOL.md §2). */
export const searchSubmission = (body: Record<string, unknown>): ChatSubmission => ({
  kind: 'search',
  message: messageOf(body.query, 'query'),
  conversationId: undefined,
  clientRequestId: null,
  userId: null,
  model: 'auto',
  rag: true,
  collection: collectionOf(body.collection),
  topK: topKOf(body.top_k, 'top_k'),
  filters: filtersOf(body.filters),
  history: [],
  temperature: null,
  maxOutputTokens: null,
});
