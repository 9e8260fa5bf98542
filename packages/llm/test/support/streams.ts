import type { ChatGenerationRequest, ChatModel, ChatStreamEvent } from '../../src/index.js';

export interface Collected {
  deltas: string[];
  text: string;
  end: Extract<ChatStreamEvent, { type: 'end' }> | undefined;
}

/** Reads a whole stream; checks that `end` comes once and last. */
export const collect = async (model: ChatModel, request: Omit<ChatGenerationRequest, 'signal'> & { signal?: AbortSignal }): Promise<Collected> => {
  const deltas: string[] = [];
  let end: Collected['end'];
  for await (const event of model.stream({ signal: new AbortController().signal, ...request })) {
    if (end !== undefined) throw new Error('an event after end');
    if (event.type === 'delta') deltas.push(event.text);
    else end = event;
  }
  return { deltas, text: deltas.join(''), end };
};

/** Reads deltas into `into` until the stream fails or ends; returns the error thrown, if any. */
export const drain = async (stream: AsyncIterable<ChatStreamEvent>, into: string[] = [], onDelta?: (count: number) => void): Promise<unknown> => {
  try {
    for await (const event of stream) {
      if (event.type === 'delta') {
        into.push(event.text);
        onDelta?.(into.length);
      }
    }
    return undefined;
  } catch (error) {
    return error;
  }
};

export const question = [
  { role: 'system', content: 'You answer in one sentence.' },
  { role: 'user', content: 'What is Kafka?' },
] as const;
