// Checking a client's text frame (PROTOCOL.md §1) before anything is done with it: JSON, an
// object, a known `type`, and an `id` usable in the answer. One place for the server and clients.
import { CLIENT_FRAME_TYPES, type ClientFrameType } from './frames.js';

/** PROTOCOL.md: every id is a string of at most 128 characters. */
export const MAX_ID_LENGTH = 128;

// Control characters would make ids unprintable in logs and ambiguous in URLs.
const hasControlCharacters = (value: string): boolean => {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};

/** An id the server accepts: 1..128 characters, no control characters. */
export const isUsableId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH && !hasControlCharacters(value);

/** A name as it can be shown in an error: escaped and cut short, so a message never carries a client's control characters or megabytes. */
export const shown = (value: string, limit = 64): string => JSON.stringify(value.length > limit ? `${value.slice(0, limit)}…` : value);

/** A frame that is a JSON object with a known type; its other fields are checked by what handles it. */
export interface ParsedFrame {
  type: ClientFrameType;
  /** The frame's `id` when it is a usable one, for the answer. */
  id: string | undefined;
  body: Record<string, unknown>;
}

/** A frame that cannot be used, with the id to answer under when it had a usable one. */
export interface FrameRefusal {
  code: 'invalid_request';
  id: string | undefined;
  message: string;
}

export type FrameParseResult = { ok: true; frame: ParsedFrame } | { ok: false; refusal: FrameRefusal };

const refuse = (id: string | undefined, message: string): FrameParseResult => ({ ok: false, refusal: { code: 'invalid_request', id, message } });

const isKnownType = (type: unknown): type is ClientFrameType => (CLIENT_FRAME_TYPES as readonly unknown[]).includes(type);

/** Parses one text frame; refuses non-JSON, non-objects and unknown types (the socket stays open). */
export const parseClientFrame = (text: string): FrameParseResult => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return refuse(undefined, 'The frame is not JSON; send one JSON object per text frame, e.g. {"type":"ping"}.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return refuse(undefined, 'The frame must be a JSON object with a "type".');
  }
  const body = parsed as Record<string, unknown>;
  // An answer carries the frame's id only when it is a valid id (never a long or unprintable one).
  const id = isUsableId(body.id) ? body.id : undefined;
  if (!isKnownType(body.type)) {
    const type = typeof body.type === 'string' ? shown(body.type, 40) : 'missing';
    return refuse(id, `Unknown frame type (${type}); expected one of ${CLIENT_FRAME_TYPES.join(', ')}.`);
  }
  return { ok: true, frame: { type: body.type, id, body } };
};
