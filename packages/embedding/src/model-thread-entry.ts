// Runs inside the worker thread started by model-thread.ts: loads the ONNX model and answers
// embed requests, so the model's CPU work never blocks the event loop of the process using it.
import { parentPort, workerData } from 'node:worker_threads';
import { loadOnnxEmbeddingModel, type OnnxEmbeddingModelOptions } from './onnx-embedding-model.js';

interface Request {
  requestId: number;
  texts: string[];
}

const port = parentPort!;
try {
  const model = await loadOnnxEmbeddingModel(workerData as OnnxEmbeddingModelOptions);
  port.postMessage({ type: 'ready', id: model.id, version: model.version, dimension: model.dimension, maxTokens: model.maxTokens });
  port.on('message', (request: Request | { type: 'close' }) => {
    if ('type' in request) {
      void model.close().then(() => port.close());
      return;
    }
    model.embed(request.texts).then(
      (vectors) => port.postMessage({ requestId: request.requestId, vectors }, vectors.map((vector) => vector.buffer as ArrayBuffer)),
      (error: unknown) => {
        const { code = 'inference_failed', message = String(error), retriable = false } = error as { code?: string; message?: string; retriable?: boolean };
        port.postMessage({ requestId: request.requestId, error: { code, message, retriable } });
      },
    );
  });
} catch (error) {
  const { code = 'model_invalid', message = String(error) } = error as { code?: string; message?: string };
  port.postMessage({ type: 'failed', error: { code, message } });
}
