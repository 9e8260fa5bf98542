// The kafka package's own copy of @rivulet/testing's helpers (packages/testing): @rivulet/testing
// depends on @rivulet/kafka (its topic sandbox), so kafka's tests cannot depend on it without a
// cycle in the build graph (turbo refuses one, devDependencies included). Keep the two alike.
import { randomBytes } from 'node:crypto';

/** Where the integration tests find the real services (`rivulet infra up` defaults). */
export const environment = {
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet',
};

/** A name no other test (or earlier run) uses. */
export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/** Polls `probe` until it returns a truthy value; fails with `description` after `timeoutMs`. */
export const waitFor = async <T>(probe: () => Promise<T> | T, { timeoutMs = 30_000, intervalMs = 100, description = 'condition' } = {}): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};
