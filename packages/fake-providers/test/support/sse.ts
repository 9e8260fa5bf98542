// A minimal Server-Sent Events reader for the tests: it parses what a client would, from the raw bytes.

export interface ServerSentEvent {
  event: string | undefined;
  data: string;
}

/** Splits a complete SSE body into events (`event:` and `data:` fields, blank-line separated). */
export const parseEvents = (text: string): ServerSentEvent[] =>
  text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      return { event, data: data.join('\n') };
    });

/** Reads a streamed body until `count` complete events arrived (or the body ended); the reader is left open. */
export const readEvents = async (reader: ReadableStreamDefaultReader<Uint8Array>, count: number): Promise<ServerSentEvent[]> => {
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const events = parseEvents(buffered.slice(0, buffered.lastIndexOf('\n\n') + 2));
    if (events.length >= count) return events;
    const { done, value } = await reader.read();
    if (done) return parseEvents(buffered);
    buffered += decoder.decode(value, { stream: true });
  }
};

export const post = (url: string, body: unknown, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify(body), signal: init.signal });
