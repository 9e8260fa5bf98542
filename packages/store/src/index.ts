export { createPool, withTransaction, type Pool, type PoolClient, type PoolOptions } from './pool.js';
export { migrate, MIGRATIONS_DIR, type MigrateOptions } from './migrate.js';
export { withTenant, withAllTenants } from './tenant-scope.js';
export { StoreError } from './store-error.js';
export {
  createConversation, conversationExists, insertUserMessage, insertAssistantMessage, listMessages, loadHistory, listConversations,
  userMessageId, assistantMessageId, titleFromQuestion,
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
export { eraseTenant, ERASED_TABLES, type EraseOptions, type EraseResult, type ErasedDocument } from './retention.js';
export { deleteExpiredConversations, CONVERSATION_CLEANUP_LOCK, type ExpiredConversationsOptions, type ExpiredConversationsResult } from './expired-conversations.js';
export {
  listIndexVersions, findIndexVersion, findActiveIndexVersion, registerIndexVersion, indexCoverage, activateIndexVersion, dropIndexVersion,
  vectorIndexName, createVectorIndexSql, INDEX_VERSION_STATES, ensureVectorIndex, completeSwitchedDocuments, findLastRetiredIndexVersion, documentsNotCarried,
  SWITCH_TIMEOUT_MS, type ActivateOptions, type DocumentVersionRef, type IndexVersion, type IndexVersionState, type IndexVersionSummary, type NewIndexVersion, type CompletedDocument, type IndexCoverage, type SwitchResult, type DropResult,
} from './index-versions.js';
export {
  failDocumentVersion, failStaleDocuments, PROCESSING_FAILED, PROCESSING_TIMEOUT,
  recordPendingVersion, markVersionAccepted, markVersionProcessing, rejectDocumentVersion, adoptDocumentVersion, completeDocumentVersion, completeShownDocuments, markDocumentDeleted,
  type DocumentRef, type DocumentFailure, type FailedDocument, type StaleDocumentsOptions, type PendingDocumentVersion,
} from './document-status.js';
