export { startPipeline, type Pipeline, type ProcessName } from '@rivulet/cli';
