/**
 * One loopback HTTP server speaking OpenAI chat completions and Responses, Anthropic messages
 * and Gemini generateContent, plain and SSE-streamed, in each API's real wire format. Tests queue
 * `FakeTurn`s per API and read back the requests the AI SDK sent.
 *
 * Base URLs for the AI SDK: `openaiBaseURL` and `anthropicBaseURL` end in /v1, `googleBaseURL` in /v1beta.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { anthropicFormat } from './anthropic-format';
import type { FakeApi, FakeFormat, FakeTurn } from './fake-turn';
import { geminiFormat } from './gemini-format';
import { openAiChatFormat } from './openai-chat-format';
import { openAiResponsesFormat } from './openai-responses-format';

export interface RecordedRequest {
  api: FakeApi;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  stream: boolean;
  /** Set when the client closed the connection before the answer was complete (it aborted the call). */
  clientGone?: boolean;
}

const formats: Record<FakeApi, FakeFormat> = {
  'openai-chat': openAiChatFormat,
  'openai-responses': openAiResponsesFormat,
  anthropic: anthropicFormat,
  google: geminiFormat,
};

function route(
  method: string | undefined,
  url: URL,
): { api: FakeApi; model?: string; stream?: boolean } | undefined {
  if (method !== 'POST') return undefined;
  if (url.pathname === '/v1/chat/completions') return { api: 'openai-chat' };
  if (url.pathname === '/v1/responses') return { api: 'openai-responses' };
  if (url.pathname === '/v1/messages') return { api: 'anthropic' };
  const gemini = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(url.pathname);
  if (gemini)
    return {
      api: 'google',
      model: decodeURIComponent(gemini[1]!),
      stream: gemini[2] === 'streamGenerateContent',
    };
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Usage of the default answer: 10 prompt tokens, 2 output tokens, in each API's shape. */
const DEFAULT_USAGE: Record<FakeApi, Record<string, unknown>> = {
  'openai-chat': { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  'openai-responses': { input_tokens: 10, output_tokens: 2, total_tokens: 12 },
  anthropic: { input_tokens: 10, output_tokens: 2 },
  google: { promptTokenCount: 10, candidatesTokenCount: 2, totalTokenCount: 12 },
};

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queues = new Map<FakeApi, FakeTurn[]>();
  private server?: Server;
  private port = 0;

  /** Queues answers for the next requests to one API; when empty, a default short answer is sent. */
  enqueue(api: FakeApi, ...turns: FakeTurn[]): this {
    this.queues.set(api, [...(this.queues.get(api) ?? []), ...turns]);
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error) } }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get openaiBaseURL(): string {
    return `${this.origin}/v1`;
  }
  get anthropicBaseURL(): string {
    return `${this.origin}/v1`;
  }
  get googleBaseURL(): string {
    return `${this.origin}/v1beta`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const matched = route(req.method, url);
    if (!matched) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no fake for ${req.method} ${url.pathname}` } }));
      return;
    }
    const body = await readJson(req);
    const stream = matched.stream ?? body.stream === true;
    const recorded: RecordedRequest = {
      api: matched.api,
      path: url.pathname,
      headers: req.headers,
      body,
      stream,
    };
    this.requests.push(recorded);
    res.once('close', () => {
      if (!res.writableFinished) recorded.clientGone = true;
    });
    const turn = this.queues.get(matched.api)?.shift() ?? { text: 'ok', usage: DEFAULT_USAGE[matched.api] };
    const format = formats[matched.api];
    const model = turn.model ?? matched.model ?? String(body.model ?? 'fake-model');
    if (turn.delayMs) await wait(turn.delayMs);
    if (res.destroyed) return;

    if (turn.status && turn.status >= 400) {
      res.writeHead(turn.status, {
        'content-type': 'application/json',
        ...(turn.retryAfter ? { 'retry-after': turn.retryAfter } : {}),
      });
      res.end(
        JSON.stringify(format.errorBody(turn.status, turn.errorMessage ?? `fake failure ${turn.status}`)),
      );
      return;
    }
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(format.body(turn, model)));
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const frames = format.frames(turn, model);
    for (const [index, frame] of frames.entries()) {
      if (turn.stallAfterFrames !== undefined && index >= turn.stallAfterFrames) {
        // A provider gone quiet: nothing more until the client gives up on it.
        if (!res.destroyed) await new Promise((resolve) => res.once('close', resolve));
        return;
      }
      if (turn.breakAfterFrames !== undefined && index >= turn.breakAfterFrames) {
        if (turn.breakWith === 'error-event' && format.errorFrame) {
          res.end(format.errorFrame(turn.errorMessage ?? 'Overloaded'));
        } else {
          // Close the connection without ending the chunked body: the client reads what was sent,
          // then sees the stream terminate early, as when a connection drops mid-answer.
          res.socket?.end();
        }
        return;
      }
      res.write(frame);
    }
    res.end();
  }
}

export async function startFakeProviders(): Promise<FakeProviderServer> {
  return new FakeProviderServer().start();
}
