/**
 * The embedded server on its own thread. In-process, its work (parsing commands, maintaining
 * indexes, encoding replies) runs on the event loop that also serves GraphQL and runs jobs; on a
 * worker thread it gets a core of its own, as mongod would. Clients still connect over TCP.
 *
 * Started from TypeScript (npm start runs through tsx), the thread registers tsx itself: worker
 * threads do not inherit the parent's loader.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface EmbeddedServerThread {
  readonly port: number;
  stop(): Promise<void>;
}

type ThreadMessage =
  { type: 'listening'; port: number } | { type: 'stopped' } | { type: 'failed'; message: string };

// CommonJS, evaluated: loads tsx when the entry is TypeScript, then the entry.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.tsx) require(workerData.tsx).register();
require(workerData.entry);
`;

export interface EmbeddedServerThreadOptions {
  port?: number;
  /** Told when the thread dies after it started (the database is gone with it). */
  onCrash?: (error: Error) => void;
}

export function startEmbeddedServerThread(
  options: EmbeddedServerThreadOptions = {},
): Promise<EmbeddedServerThread> {
  const typescript = __filename.endsWith('.ts');
  const entry = path.join(__dirname, `thread-entry${typescript ? '.ts' : '.js'}`);
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { entry, port: options.port, tsx: typescript ? require.resolve('tsx/cjs/api') : null },
  });
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      void worker.terminate();
      reject(error);
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the embedded server thread exited with code ${code}`)));
    worker.once('message', (message: ThreadMessage) => {
      if (message.type !== 'listening') {
        return fail(new Error(message.type === 'failed' ? message.message : 'unexpected message'));
      }
      worker.removeAllListeners('exit');
      worker.removeAllListeners('error');
      let stopping = false;
      const crashed = (error: Error) => {
        if (!stopping) options.onCrash?.(error);
      };
      worker.on('error', crashed);
      worker.on('exit', (code) => crashed(new Error(`the embedded server thread exited with code ${code}`)));
      resolve({
        port: message.port,
        stop: () => {
          stopping = true;
          return stopThread(worker);
        },
      });
    });
  });
}

function stopThread(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      void worker.terminate().then(() => resolve());
    };
    worker.once('message', done);
    worker.once('exit', () => resolve());
    // A thread that does not answer within a few seconds is ended anyway.
    setTimeout(done, 5_000).unref();
    worker.postMessage('stop');
  });
}
