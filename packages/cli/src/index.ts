export { main } from './main.js';
export { startPipeline, type Pipeline, type PipelineOptions, type ProcessName } from './launcher.js';
