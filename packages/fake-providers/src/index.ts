/**
 * @rivulet/fake-providers: local HTTP servers that speak the real wire formats of the OpenAI
 * Chat Completions API and the Anthropic Messages API (streaming included), scripted per test:
 * reply text or a function of the request, token count, delays, HTTP failures with the
 * provider's error body and Retry-After, stalls and cut connections. For tests, e2e runs and
 * benchmarks; no dependencies beyond node:http (CONVENTIONS.md: external model APIs are faked
 * by a server, never by mocking the SDK).
 */
export { startFakeOpenAI, fakeEmbedding, type FakeOpenAIOptions } from './fake-openai.js';
export { startFakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic.js';
export type { FakeProviderServer, RecordedRequest } from './fake-server.js';
export { splitTokens, type FakeBehaviour, type FakeChatRequest, type FakeFailure, type FakeStreamError } from './behaviour.js';
