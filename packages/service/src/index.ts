export { createService, type Service, type ServiceSettings, type ConsumerSettings, type ServiceWorkerOptions, type ReadinessCheck } from './service.js';
