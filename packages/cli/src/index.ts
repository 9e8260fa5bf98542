export { main } from './main.js';
export { startPipeline, type Pipeline, type InstanceName, type PipelineOptions, type ProcessName } from './launcher.js';
export type { GroupStatus, StatusReport } from './commands/status-report.js';
