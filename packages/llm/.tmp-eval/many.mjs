import { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp';
const [modelPath, wrapperType, settingsJson, runs = '10'] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 2048, threads: 1 });
const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: resolveChatWrapper(model, { type: wrapperType }) });
const system = 'You are Rivulet, a helpful assistant. Answer accurately and concisely.';
const rag = 'Answer the question using the numbered sources below. Cite the sources you use as [1], [2] and so on. If the sources do not contain the answer, say so plainly instead of guessing.\n\nSources:\n[1] Kafka\nApache Kafka in Rivulet listens on 127.0.0.1:9092 by default.\n\n[2] Redis\nRedis caches embeddings.\n\nQuestion: Which port does Kafka listen on?';
let good = 0;
for (let seed = 1; seed <= Number(runs); seed++) {
  const { response } = await chat.generateResponse([{ type: 'system', text: system }, { type: 'user', text: rag }], { maxTokens: 80, seed, ...JSON.parse(settingsJson) });
  if (/9092/.test(response)) good++;
  console.log(seed, JSON.stringify(response));
}
console.log(`${good}/${runs} mention 9092`);
await context.dispose(); await model.dispose(); await llama.dispose();
