/**
 * Keeps the loaded `.mcp.json` current without a restart: every `current()` stats the file (and
 * its `.env`) and reloads only when size or mtime changed. A file that has become invalid keeps
 * the last good config in force and reports the error through `lastError`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { loadMcpConfig, type LoadMcpConfigOptions } from './load';
import type { McpConfig } from './types';

async function signature(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

export class McpConfigStore {
  private config?: McpConfig;
  private sig?: string;
  private loading?: Promise<McpConfig>;
  lastError?: Error;

  constructor(
    readonly file: string,
    private readonly options: LoadMcpConfigOptions = {},
  ) {}

  private async currentSignature(): Promise<string> {
    const envFile = this.options.envFile ?? path.join(path.dirname(path.resolve(this.file)), '.env');
    return `${await signature(this.file)}|${await signature(envFile)}`;
  }

  /** The config in force now; loads on first use and after the file changes. */
  async current(): Promise<McpConfig> {
    if (this.loading) return this.loading;
    const sig = await this.currentSignature();
    if (this.config && sig === this.sig) return this.config;
    this.loading = loadMcpConfig(this.file, this.options)
      .then((config) => {
        this.config = config;
        this.sig = sig;
        this.lastError = undefined;
        return config;
      })
      .catch((error: Error) => {
        this.lastError = error;
        if (!this.config) throw error;
        // Keep serving the last good config; retry when the file changes again.
        this.sig = sig;
        return this.config;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
