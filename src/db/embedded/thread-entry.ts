/**
 * Runs inside the worker thread started by `startEmbeddedServerThread`: starts the embedded
 * server, reports its port, and stops it when asked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startEmbeddedServer } from './server';

async function main(): Promise<void> {
  const port = parentPort!;
  const server = await startEmbeddedServer({ port: (workerData as { port?: number }).port });
  port.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    void server.stop().finally(() => {
      port.postMessage({ type: 'stopped' });
      port.close();
    });
  });
  port.postMessage({ type: 'listening', port: server.port });
}

main().catch((error: unknown) => {
  parentPort?.postMessage({
    type: 'failed',
    message: error instanceof Error ? error.message : String(error),
  });
});
