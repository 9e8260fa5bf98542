// Test helpers for every workspace's tests (a devDependency; no library's src imports it).
export { uniqueName, waitFor, type WaitOptions } from './wait.js';
export { testEnvironment } from './environment.js';
export { createTopicSandbox, type Received, type TopicSandbox } from './topic-sandbox.js';
export { seededRandom } from './random.js';
