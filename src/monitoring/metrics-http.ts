/**
 * The `/metrics` answer, shared by the Yoga plugin (main port) and the internal
 * metrics server: method check, optional bearer token, Prometheus text. A failed
 * gauge refresh still serves the histograms (and says so in a comment line).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Instruments } from './instruments';

export interface MetricsAccess {
  instruments: Instruments;
  token?: string;
  beforeScrape?: () => Promise<void>;
}

export interface MetricsResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function metricsResponse(
  request: { method: string; authorization: string | null | undefined },
  access: MetricsAccess,
): Promise<MetricsResult> {
  const json = { 'content-type': 'application/json' };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { ...json, allow: 'GET, HEAD' }, body: '{"error":"METHOD_NOT_ALLOWED"}' };
  }
  if (access.token && !tokenMatches(request.authorization, access.token)) {
    return {
      status: 401,
      headers: { ...json, 'www-authenticate': 'Bearer realm="metrics"' },
      body: '{"error":"UNAUTHENTICATED","message":"Send Authorization: Bearer <METRICS_TOKEN>."}',
    };
  }
  let note = '';
  try {
    await access.beforeScrape?.();
  } catch (error) {
    note = `# queue gauges not refreshed: ${error instanceof Error ? error.message.replace(/\s+/g, ' ') : 'error'}\n`;
  }
  const body = note + (await access.instruments.metricsText());
  return { status: 200, headers: { 'content-type': access.instruments.registry.contentType }, body };
}

function tokenMatches(header: string | null | undefined, token: string): boolean {
  const sent = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';
  // Hash both sides so the comparison is constant-time regardless of length.
  const a = createHash('sha256').update(sent).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export interface MetricsServer {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

/** `/metrics` on its own port (METRICS_PORT), typically bound to an internal interface. */
export async function startMetricsServer(
  access: MetricsAccess & { port: number; host: string },
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"NOT_FOUND"}');
      return;
    }
    metricsResponse({ method: req.method ?? 'GET', authorization: req.headers.authorization }, access).then(
      (result) =>
        res.writeHead(result.status, result.headers).end(req.method === 'HEAD' ? undefined : result.body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(access.port, access.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${access.host === '0.0.0.0' ? '127.0.0.1' : access.host}:${port}/metrics`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
