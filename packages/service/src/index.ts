export { createService, type Service, type ServiceSettings, type ReadinessCheck } from './service.js';
