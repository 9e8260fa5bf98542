import { getLlama, LlamaLogLevel, readGgufFileInfo } from 'node-llama-cpp';
const info = await readGgufFileInfo(process.argv[2], { readTensorInfo: false });
console.log('add_bos', info.metadata.tokenizer.ggml.add_bos_token, 'tokens 0..3', info.metadata.tokenizer.ggml.tokens.slice(0, 4));
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath: process.argv[2] });
console.log('bos', model.tokens.bos, model.tokens.bosString, 'eos', model.tokens.eos, model.tokens.eosString, 'shouldPrependBos', model.tokens.shouldPrependBosToken);
await model.dispose(); await llama.dispose();
