// Earlier turns from PostgreSQL, waiting briefly for the previous answer to be stored.
import type { ChatMessage } from '@rivulet/llm';
import { loadHistory, type Pool } from '@rivulet/store';
import type { HistorySource } from './handler.js';

const POLL_MS = 50;
const MAX_TURNS = 40;

/**
 * The persistence worker stores an answer shortly after its reply-end; a client that asks again
 * the moment `done` arrives can overtake it. So when the latest earlier question has no stored
 * answer yet, poll for up to `waitMs` before building the prompt without it (an earlier turn that
 * ended in an error is never stored, and costs the next turn at most that wait).
 */
export const postgresHistory = (pool: Pool, waitMs: number): HistorySource => ({
  load: async ({ tenantId, conversationId, requestId, acceptedAt }) => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const history = await loadHistory(pool, tenantId, conversationId, { beforeRequestId: requestId, before: acceptedAt, limit: MAX_TURNS });
      if (history.unanswered === null || Date.now() >= deadline) {
        return history.turns.map(({ role, content }): ChatMessage => ({ role, content }));
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  },
});
