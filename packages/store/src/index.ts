export { createPool, withTransaction, type Pool, type PoolClient, type PoolOptions } from './pool.js';
export { migrate, MIGRATIONS_DIR, type MigrateOptions } from './migrate.js';
export { withTenant, withAllTenants } from './tenant-scope.js';
export {
  createConversation, conversationExists, insertUserMessage, insertAssistantMessage, listMessages, loadHistory, listConversations,
  userMessageId, assistantMessageId, titleFromQuestion, StoreError,
  type MessageRole, type Instant, type NewConversation, type UserMessageInput, type AssistantMessageInput, type PersistedMessage,
  type ConversationMessage, type HistoryTurn, type HistoryOptions, type ConversationHistory, type ConversationSummary, type ListConversationsOptions,
} from './conversations.js';
export {
  createApiKey, findApiKeyByHash, revokeApiKey, revokeApiKeyEverywhere, listApiKeys, hashApiKey, API_KEY_REVOKED_CHANNEL,
  type NewApiKey, type CreatedApiKey, type StoredApiKey, type ApiKeySummary, type RevocationPublisher,
} from './api-keys.js';
export {
  setTokenBudget, removeTokenBudget, listTokenBudgets, loadBudgetRules, BUDGET_PERIODS, ALL_MODELS, DEFAULT_TENANT_TIER,
  type BudgetPeriod, type TokenBudget, type TokenBudgetSelector, type NewTokenBudget, type BudgetRule, type BudgetRules,
} from './token-budgets.js';
export { recordUsage, usageByDay, type UsageRecord, type UsageDay } from './usage.js';
export { deleteExpiredConversations, eraseTenant, ERASED_TABLES, type ExpiredConversationsOptions, type ExpiredConversationsResult, type EraseOptions, type EraseResult, type ErasedDocument } from './retention.js';
