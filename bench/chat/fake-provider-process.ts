// The fake OpenAI-compatible provider in a process of its own (started by fake-provider.ts), so
// that writing its streams never shares an event loop with the benchmark's clients or baseline.
// Arguments: tokens per answer, milliseconds before each token (default 0). Prints {"url": ...} once listening; exits when stdin closes.
import { startFakeOpenAI } from '@rivulet/fake-providers';

const tokens = Number(process.argv[2] ?? '200');
const tokenDelayMs = Number(process.argv[3] ?? '0');
const reply = 'According to the sources the answer follows from the physics described there, step by step, with every detail cited.';
const fake = await startFakeOpenAI({ reply, tokens, tokenDelayMs });
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void fake.close().finally(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
