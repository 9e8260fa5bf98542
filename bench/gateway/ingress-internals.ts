// The ingress's own checks, as the benchmark measures them: the database key store, the key-store
// chain and the rate limiter of @rivulet/ws-ingress.
export { chainApiKeyStores, databaseApiKeyStore, createRateLimiter, createRateLimiterRedis, redisRateLimitStore, type DatabaseApiKeyStore, type RateLimiter } from '@rivulet/ws-ingress';
