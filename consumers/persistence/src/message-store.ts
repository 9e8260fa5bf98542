import { insertAssistantMessage, insertUserMessage, type AssistantMessageInput, type PersistedMessage, type Pool, type UserMessageInput } from '@rivulet/store';

/**
 * The persistence worker's port to PostgreSQL. Both calls are idempotent: one question and one
 * answer per request, whatever the number of deliveries, and in whichever order they come. They
 * resolve to the row stored (now or by an earlier delivery).
 */
export interface MessageStore {
  storeQuestion(message: UserMessageInput): Promise<PersistedMessage>;
  storeAnswer(message: AssistantMessageInput): Promise<PersistedMessage>;
}

export const createMessageStore = (pool: Pool): MessageStore => ({
  storeQuestion: (message) => insertUserMessage(pool, message),
  storeAnswer: (message) => insertAssistantMessage(pool, message),
});
