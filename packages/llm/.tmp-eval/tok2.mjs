import { getLlama, LlamaLogLevel, LlamaChat } from 'node-llama-cpp';
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath: process.argv[2] });
const context = await model.createContext({ contextSize: 512 });
const chat = new LlamaChat({ contextSequence: context.getSequence() });
const text = chat.chatWrapper.generateContextState({ chatHistory: [{ type: 'system', text: 'S' }, { type: 'user', text: 'Hi' }, { type: 'model', response: [] }] }).contextText;
const tokens = text.tokenize(model.tokenizer);
console.log(tokens.slice(0, 8), model.detokenize(tokens.slice(0, 8), true));
await context.dispose(); await model.dispose(); await llama.dispose();
