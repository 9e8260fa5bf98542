/**
 * Turns node-llama-cpp's callbacks (onTextChunk, then the settled promise) into an async
 * iterator of text chunks: chunks wait here until the consumer pulls them.
 */
export interface ChunkQueue {
  push(text: string): void;
  end(): void;
  fail(error: Error): void;
  [Symbol.asyncIterator](): AsyncIterator<string>;
}

export const createChunkQueue = (): ChunkQueue => {
  const buffered: string[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push: (text) => {
      buffered.push(text);
      notify();
    },
    end: () => {
      ended = true;
      notify();
    },
    fail: (error) => {
      failure ??= error;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (failure) throw failure;
        const text = buffered.shift();
        if (text !== undefined) yield text;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
};
