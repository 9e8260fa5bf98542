// `rivulet ingress`: one ingress process in the foreground, to scale out by running more.
import { runIngress } from '@rivulet/ws-ingress';
import { say } from '../output.js';

/**
 * Runs the ingress (HTTP API, WebSocket, status pushes) until SIGTERM or SIGINT, then stops it
 * gracefully and resolves with the exit code. Configuration comes from the environment
 * (INGRESS_HOST, INGRESS_PORT, RIVULET_API_KEYS, ... in docs/configuration.md).
 */
export const ingress = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    runIngress(process.env, { exit: resolve }).then(({ url }) => {
      say(`Ingress listening on ${url} (WebSocket ${url.replace(/^http/, 'ws')}/v1/ws). Ctrl-C stops it.`);
    }, reject);
  });
