/**
 * The Node HTTP server in front of Yoga. It owns what must happen before Yoga sees
 * a request: the body size limit (Content-Length checked up front; a POST without
 * one is refused, since it cannot be bounded before reading), and draining for
 * graceful shutdown (new requests get 503 SERVICE_UNAVAILABLE, in-flight ones
 * finish, SSE streams are ended).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AppYoga } from './yoga';

export interface HttpServerOptions {
  yoga: AppYoga;
  maxBodyBytes: number;
}

export interface HttpServerHandle {
  server: Server;
  /** Requests currently being handled (SSE streams included). */
  readonly inFlight: number;
  /** Stops listening and refuses new requests; resolves when in-flight ones finished or the deadline passed. */
  drain(deadlineMs: number): Promise<{ timedOut: boolean; remaining: number }>;
}

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extraHeaders: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    connection: 'close',
    ...extraHeaders,
  });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code, http: { status } } }] }));
}

export function createHttpServer(options: HttpServerOptions): HttpServerHandle {
  let draining = false;
  const active = new Set<ServerResponse>();
  let onIdle: (() => void) | undefined;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (draining) {
      sendError(
        res,
        503,
        'SERVICE_UNAVAILABLE',
        'The server is shutting down. Retry against another instance.',
        { 'retry-after': '1' },
      );
      return;
    }
    if (req.method === 'POST') {
      const length = req.headers['content-length'];
      if (length === undefined) {
        sendError(res, 411, 'BAD_USER_INPUT', 'A Content-Length header is required for request bodies.');
        req.resume();
        return;
      }
      if (Number(length) > options.maxBodyBytes) {
        sendError(
          res,
          413,
          'PAYLOAD_TOO_LARGE',
          `Request body of ${length} bytes exceeds the limit of ${options.maxBodyBytes} bytes.`,
        );
        req.resume();
        return;
      }
    }
    active.add(res);
    res.on('close', () => {
      active.delete(res);
      if (draining && active.size === 0) onIdle?.();
    });
    void options.yoga.requestListener(req, res);
  });
  // Keep-alive sockets would hold close() open forever; they are closed when idle once draining.
  server.keepAliveTimeout = 5000;

  return {
    server,
    get inFlight() {
      return active.size;
    },
    async drain(deadlineMs) {
      draining = true;
      server.close();
      server.closeIdleConnections();
      // Subscriptions over SSE never finish by themselves: end their streams now.
      for (const res of active) {
        if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) res.end();
      }
      if (active.size > 0) {
        const idle = new Promise<void>((resolve) => (onIdle = resolve));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>(
          (resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)),
        );
        const outcome = await Promise.race([idle, timeout]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          const remaining = active.size;
          server.closeAllConnections();
          return { timedOut: true, remaining };
        }
      }
      server.closeAllConnections();
      return { timedOut: false, remaining: 0 };
    },
  };
}
