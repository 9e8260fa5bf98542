// A bound on the time to the response headers, for the SDKs' `fetch` option: a host that never
// completes the TCP handshake, or accepts and never answers, fails after `timeoutMs` and the
// router moves on, instead of waiting for the first-token timeout.

/** The error the wrapped fetch rejects with; the SDKs report it as a connection timeout (ProviderError `timeout`). */
export class ConnectTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no response headers within ${timeoutMs} ms (connect timeout)`);
    this.name = 'ConnectTimeoutError';
  }
}

/**
 * `fetch` with a limit from the call to the response headers. The body is not limited (the
 * stream watchdog bounds it), and the caller's signal still aborts the request and its body.
 */
export const withConnectTimeout = (fetchFunction: typeof fetch, timeoutMs: number): typeof fetch => {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new TypeError(`withConnectTimeout: timeoutMs must be a positive whole number, got ${timeoutMs}`);
  return async (input, init = {}) => {
    const controller = new AbortController();
    const outer = init.signal;
    // Linked for the whole request, body included: the SDK aborts its signal to close a stream.
    const onAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new ConnectTimeoutError(timeoutMs));
    }, timeoutMs);
    try {
      return await fetchFunction(input, { ...init, signal: controller.signal });
    } catch (error) {
      if (timedOut) throw new ConnectTimeoutError(timeoutMs);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
};
