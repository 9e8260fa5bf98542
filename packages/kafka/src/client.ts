import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { RuntimeLogger } from './logger.js';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: RuntimeLogger;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const levelName = (level: logLevel): 'error' | 'warn' | 'info' | 'debug' => {
  if (level === logLevel.ERROR || level === logLevel.NOTHING) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
};

/**
 * The single place a kafkajs client is created. kafkajs logs through our logger, and
 * its chatty INFO lines (joins, commits) go to debug so operators see what matters.
 */
export const createKafkaClient = ({
  brokers,
  clientId,
  logger,
  connectionTimeoutMs = 3000,
  requestTimeoutMs = 30000,
}: KafkaClientOptions): Kafka => {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    brokers,
    clientId,
    connectionTimeout: connectionTimeoutMs,
    requestTimeout: requestTimeoutMs,
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...rest } = log;
        const name = levelName(level);
        kafkaLogger[name === 'info' ? 'debug' : name]({ namespace, ...rest }, message);
      },
  });
};
