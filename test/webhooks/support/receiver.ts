/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. Each path answers from a script
 * (status, headers, body; the last entry repeats), records every request with its raw
 * body and headers, and lets a test wait for the n-th request on a path.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../../src/webhooks/signing';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Checks a received post's signature headers with `secret` (over `body`, the post's own by default). */
export function verifyReceived(post: Received, secret: string, now = new Date(), body = post.body) {
  return verifySignature({
    secret,
    body,
    timestamp: String(post.headers['x-webhook-timestamp']),
    signature: String(post.headers['x-webhook-signature']),
    now,
  });
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long (to exceed the sender's timeout). */
  delayMs?: number;
}

export interface Receiver {
  url(path: string): string;
  script(path: string, answers: ScriptedAnswer[]): void;
  received(path: string): Received[];
  waitFor(path: string, count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const script = scripts.get(path) ?? [];
      const answer = (script.length > 1 ? script.shift() : script[0]) ?? { status: 200 };
      const reply = () => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
      waiters.forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const on = (path: string) => requests.filter((r) => r.path === path);
  return {
    url: (path) => `${base}${path}`,
    script: (path, answers) => void scripts.set(path, [...answers]),
    received: on,
    async waitFor(path, count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (on(path).length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`timed out waiting for ${count} request(s) on ${path}; got ${on(path).length}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            waiters.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
      return on(path);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { eventually } from '../../helpers/poll';
