/**
 * The stdio transport for local servers. Unlike the SDK's, it starts the server in its own process
 * group (so the whole tree can be killed), gives it PATH and the other safe defaults plus the
 * configured env (never our whole environment, which holds our secrets), sends stderr to the logs
 * under the server's name, and remembers how the process ended for error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../shared/logger';
import { killGroup, trackGroup, untrackGroup } from './process-group';

export interface StdioProcessOptions {
  serverName: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  logger: Logger;
  /** How many stderr lines to keep for error messages. */
  stderrTailLines?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child?: ChildProcess;
  private readonly readBuffer = new ReadBuffer();
  private readonly tail: string[] = [];
  private partialLine = '';
  private closing = false;
  private closed = false;
  exit?: ProcessExit;

  constructor(private readonly options: StdioProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the server wrote to stderr (for "why did it die" messages). */
  stderrTail(): string[] {
    return [...this.tail, ...(this.partialLine ? [this.partialLine] : [])];
  }

  async start(): Promise<void> {
    if (this.child) return;
    const { command, args, env, cwd, serverName, logger } = this.options;
    const child = spawn(command, args, {
      env: { ...getDefaultEnvironment(), ...env },
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      shell: false,
      windowsHide: true,
    });
    this.child = child;
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', (error) => reject(error));
      });
    } catch (error) {
      // Nothing is running (command not found, not executable): there is nothing to close.
      this.closed = true;
      throw error;
    }
    const pid = child.pid as number;
    trackGroup(pid);
    child.on('error', (error) => this.onerror?.(error));
    child.stdin?.on('error', (error) => this.onerror?.(error));
    child.stdout?.on('data', (chunk: Buffer) => {
      try {
        this.readBuffer.append(chunk);
      } catch (error) {
        // One message over the buffer limit: the stream cannot be resynchronised, so give up.
        this.onerror?.(error as Error);
        void this.close();
        return;
      }
      this.drain();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => this.onStderr(text));
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      logger.debug({ mcpServer: serverName, code, signal }, 'mcp server process exited');
    });
    child.once('close', () => {
      // The leader is gone; anything it left in the group goes too.
      if (!this.closing) void killGroup(pid, 500);
      else untrackGroup(pid);
      this.finish();
    });
  }

  private drain(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a stray console.log) is reported, not fatal.
        this.options.logger.warn(
          { mcpServer: this.options.serverName },
          'ignored a stdout line that is not JSON-RPC',
        );
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  private onStderr(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    const keep = this.options.stderrTailLines ?? 20;
    for (const raw of lines) {
      const line = raw.trimEnd();
      if (!line) continue;
      this.options.logger.info({ mcpServer: this.options.serverName, stream: 'stderr' }, line);
      this.tail.push(line);
      if (this.tail.length > keep) this.tail.shift();
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.readBuffer.clear();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.closed || !stdin.writable)
      throw new Error('Not connected: the server process is not running');
    if (!stdin.write(serializeMessage(message)))
      await new Promise<void>((resolve) => stdin.once('drain', resolve));
  }

  /** Ends stdin, then kills the whole process group (SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.closed) {
      this.finish();
      return;
    }
    this.closing = true;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      child.stdin?.end();
    } catch {
      // already gone
    }
    await killGroup(child.pid as number);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    this.finish();
  }
}
