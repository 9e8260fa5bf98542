import type { EventCatalog } from './catalog.js';
import { RivuletKafkaError } from './errors.js';

export interface CompatibilityResult {
  eventType: string;
  subject: string;
  status: 'compatible' | 'incompatible' | 'new-subject';
  messages: string[];
}

interface Fetcher {
  (input: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<{ status: number; ok: boolean; json(): Promise<unknown>; text(): Promise<string> }>;
}

/**
 * Asks the registry whether each catalogue schema may be registered under its subject
 * given the versions already there and the subject's compatibility level (BACKWARD).
 * This is what `rivulet schemas check` runs in CI before anything is registered.
 */
export const checkCompatibility = async (
  registryUrl: string,
  catalog: EventCatalog,
  { fetch: fetcher = fetch, timeoutMs = 10_000 }: { fetch?: Fetcher; timeoutMs?: number } = {},
): Promise<CompatibilityResult[]> => {
  const results: CompatibilityResult[] = [];
  for (const [eventType, { subject, schema }] of Object.entries(catalog)) {
    const url = `${registryUrl}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`;
    let response: Awaited<ReturnType<Fetcher>>;
    try {
      response = await fetcher(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: JSON.stringify(schema), schemaType: 'AVRO' }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new RivuletKafkaError('registry_unavailable', `Schema registry at ${registryUrl} did not answer: ${(error as Error).message}`, { retriable: true, cause: error });
    }
    if (response.status === 404) {
      results.push({ eventType, subject, status: 'new-subject', messages: [] });
      continue;
    }
    if (response.status === 409 || response.status === 422) {
      results.push({ eventType, subject, status: 'incompatible', messages: [await response.text()] });
      continue;
    }
    if (!response.ok) throw new RivuletKafkaError('registry_unavailable', `Schema registry answered ${response.status} for ${subject}: ${await response.text()}`, { retriable: true });
    const body = (await response.json()) as { is_compatible?: boolean; messages?: string[] };
    results.push({ eventType, subject, status: body.is_compatible ? 'compatible' : 'incompatible', messages: body.messages ?? [] });
  }
  return results;
};
