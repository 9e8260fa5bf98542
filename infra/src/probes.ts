import { execFile } from 'node:child_process';
import { connect } from 'node:net';

export interface ProbeResult {
  healthy: boolean;
  detail: string;
}

/**
 * Sends bytes to 127.0.0.1:port and collects the answer until `complete` says it is whole.
 * Rejects on refusal, a closed socket or a timeout.
 */
const exchange = (
  port: number,
  request: Buffer,
  complete: (received: Buffer) => boolean,
  timeoutMs: number,
): Promise<Buffer> =>
  new Promise((resolvePromise, reject) => {
    let received = Buffer.alloc(0);
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (complete(received)) {
        socket.destroy();
        resolvePromise(received);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed before a whole answer')));
  });

const failure = (error: unknown): ProbeResult => ({ healthy: false, detail: (error as Error).message });

/**
 * A Metadata v4 request (no topics) over the Kafka protocol. The broker answers only after it
 * has caught up with the metadata log, and lists itself only once unfenced: a registered broker
 * means producers and topic creation work, which an open port alone does not promise.
 */
export const probeKafka = async (port: number, timeoutMs = 2_000): Promise<ProbeResult> => {
  const clientId = Buffer.from('rivulet-infra');
  const correlationId = 0x5256;
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
  let offset = body.writeInt16BE(3, 0); // api key: Metadata
  offset = body.writeInt16BE(4, offset); // version 4: the lowest Kafka 4 accepts that has no flexible encoding
  offset = body.writeInt32BE(correlationId, offset);
  offset = body.writeInt16BE(clientId.length, offset);
  offset += clientId.copy(body, offset);
  offset = body.writeInt32BE(0, offset); // empty topic list: brokers only
  body.writeInt8(0, offset); // allow_auto_topic_creation = false
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  try {
    const answer = await exchange(
      port,
      Buffer.concat([size, body]),
      (received) => received.length >= 4 && received.length >= 4 + received.readInt32BE(0),
      timeoutMs,
    );
    if (answer.length < 16 || answer.readInt32BE(4) !== correlationId) return { healthy: false, detail: 'unexpected answer to a Metadata request' };
    const brokers = answer.readInt32BE(12); // after size, correlation id, throttle time
    return brokers > 0
      ? { healthy: true, detail: `Metadata answered, ${brokers} broker registered` }
      : { healthy: false, detail: 'answering, but no broker registered yet' };
  } catch (error) {
    return failure(error);
  }
};

export const probeRedis = async (port: number, timeoutMs = 2_000): Promise<ProbeResult> => {
  try {
    const answer = await exchange(port, Buffer.from('PING\r\n'), (received) => received.includes('\r\n'), timeoutMs);
    const line = answer.toString('utf8').trim();
    return line === '+PONG' ? { healthy: true, detail: 'PING answered PONG' } : { healthy: false, detail: `PING answered ${line}` };
  } catch (error) {
    return failure(error);
  }
};

export const probeHttp = async (url: string, timeoutMs = 3_000): Promise<ProbeResult> => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status === 200
      ? { healthy: true, detail: `GET ${url} answered 200` }
      : { healthy: false, detail: `GET ${url} answered ${response.status}` };
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    return failure(cause ?? error);
  }
};

export const probePostgres = (pgIsReady: string, port: number): Promise<ProbeResult> =>
  new Promise((resolvePromise) => {
    execFile(pgIsReady, ['-h', '127.0.0.1', '-p', String(port), '-t', '2'], { timeout: 5_000 }, (error, stdout) => {
      const detail = stdout.trim() || (error?.message ?? '');
      resolvePromise({ healthy: error === null, detail: `pg_isready: ${detail}` });
    });
  });
