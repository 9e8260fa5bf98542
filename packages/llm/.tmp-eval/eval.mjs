import { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp';
const [modelPath, threadsArg, settingsJson, wrapperType = 'auto'] = process.argv.slice(2);
const threads = Number(threadsArg);
const settings = JSON.parse(settingsJson ?? '{}');
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 2048, threads });
const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: resolveChatWrapper(model, { type: wrapperType }) });
console.log('wrapper:', chat.chatWrapper.constructor.name, chat.chatWrapper.wrapperName);
const system = 'You are Rivulet, a helpful assistant. Answer accurately and concisely.';
const rag = 'Answer the question using the numbered sources below. Cite the sources you use as [1], [2] and so on. If the sources do not contain the answer, say so plainly instead of guessing.\n\nSources:\n[1] Kafka\nApache Kafka in Rivulet listens on 127.0.0.1:9092 by default.\n\n[2] Redis\nRedis caches embeddings.\n\nQuestion: ';
const prompts = [
  [{ type: 'system', text: system }, { type: 'user', text: rag + 'Which port does Kafka listen on?' }],
  [{ type: 'system', text: system }, { type: 'user', text: rag + 'What does Redis cache?' }],
  [{ type: 'system', text: system }, { type: 'user', text: rag + 'Who founded Apache Kafka?' }],
  [{ type: 'user', text: 'What is the capital of France?' }],
];
const shown = chat.chatWrapper.generateContextState({ chatHistory: [...prompts[0], { type: 'model', response: [] }] }).contextText.toString();
console.log('prompt as seen:\n' + JSON.stringify(shown)); const toks = chat.chatWrapper.generateContextState({ chatHistory: [...prompts[0], { type: 'model', response: [] }] }).contextText.tokenize(model.tokenizer); console.log('first tokens', toks.slice(0,4));
for (const history of prompts) {
  let tokens = 0; let first = 0;
  const started = performance.now();
  const { response } = await chat.generateResponse(history, { maxTokens: 120, ...settings, onToken: (t) => { first ||= performance.now(); tokens += t.length; } });
  const end = performance.now();
  console.log(`--- Q: ${history.at(-1).text.split('Question: ').at(-1)}\nA (${tokens} tok, ${((tokens - 1) / ((end - first) / 1000)).toFixed(1)} tok/s decode, prompt ${(first - started).toFixed(0)} ms, total ${(end-started).toFixed(0)} ms): ${JSON.stringify(response)}`);
}
// throughput on a long generation
{
  let tokens = 0; let first = 0;
  await chat.generateResponse([{ type: 'user', text: 'Write a long story about a dragon who learns to fly.' }], { maxTokens: 200, ...settings, onToken: (t) => { first ||= performance.now(); tokens += t.length; } });
  console.log(`throughput threads=${threads}: ${tokens} tokens, ${((tokens - 1) / ((performance.now() - first) / 1000)).toFixed(1)} tok/s`);
}
await context.dispose(); await model.dispose(); await llama.dispose();
