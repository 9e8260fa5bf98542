/**
 * Why an embedding call failed. Only the consumer runtime decides what to do with it
 * (CONVENTIONS.md rule 5): `retriable` says whether the same call may pass later.
 */
export type EmbeddingErrorCode =
  /** Bad options at construction (a missing baseURL, a thread count of zero). */
  | 'invalid_options'
  /** A model name that is not in the catalogue (model-spec.ts). */
  | 'unknown_model'
  /** The model folder or one of its files is missing: run `rivulet infra up`. */
  | 'model_not_found'
  /** A model or tokenizer file that this adapter cannot use. */
  | 'model_invalid'
  /** A text is longer than the model's `maxTokens`; nothing is truncated silently. */
  | 'input_too_long'
  /** onnxruntime failed while running the model. */
  | 'inference_failed'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** `embed` after `close`. */
  | 'closed'
  /** The remote provider did not answer within `timeoutMs` (or answered 408). */
  | 'timeout'
  /** The remote provider could not be reached (connection refused, reset, DNS). */
  | 'network'
  /** HTTP 429. */
  | 'rate_limited'
  /** HTTP 401 or 403: the API key is missing or not accepted. */
  | 'unauthorized'
  /** Another HTTP 4xx: the request itself is wrong and will fail again. */
  | 'bad_request'
  /** HTTP 5xx. */
  | 'server_error'
  /** A 2xx answer whose body is not the embeddings wire format (or has the wrong count or dimension). */
  | 'invalid_response'
  /** A remote model spec names an API key variable that is unset or empty in this process. */
  | 'missing_api_key'
  /** A loaded model failed its probe (one short text embedded before it is put to work). */
  | 'probe_failed';

export class EmbeddingError extends Error {
  readonly code: EmbeddingErrorCode;
  readonly retriable: boolean;
  /** The HTTP status, for errors of the OpenAI-compatible adapter that had one. */
  readonly status: number | undefined;

  constructor(options: { code: EmbeddingErrorCode; message: string; retriable?: boolean; status?: number; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.name = 'EmbeddingError';
    this.code = options.code;
    this.retriable = options.retriable ?? false;
    this.status = options.status;
  }
}
