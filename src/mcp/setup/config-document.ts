/**
 * An editable `.mcp.json`. Edits go through jsonc-parser so that everything we do not change
 * stays byte for byte: other servers, unknown fields, comments, key order, indentation and
 * line endings. Each file keeps its form: a server is added under the key the file already uses
 * (`servers` for the design form, `mcpServers` for the common client form).
 */
import {
  applyEdits,
  modify,
  parseTree,
  findNodeAtLocation,
  getNodeValue,
  type FormattingOptions,
  type Node,
} from 'jsonc-parser';
import { buildMcpConfig, type McpConfig } from '../config';
import { readFileIfExists, writeFileAtomic } from './atomic-write';
import { unknownNameError } from './suggest';

export type ConfigForm = 'servers' | 'mcpServers';
export type RawEntry = Record<string, unknown>;
interface RawChain {
  servers?: unknown[];
  preSteps?: { server?: unknown }[];
}

/** What setup wants a server to be, independent of the file's form. */
export interface ServerDefinition {
  transport: 'stdio' | 'http' | 'sse';
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  url?: string;
  headers?: Record<string, string>;
}

/** Keys setup owns in an entry; any other key (config, timeout, description, ...) is left alone. */
const MANAGED_KEYS = ['type', 'command', 'args', 'env', 'url', 'headers'] as const;

export class McpConfigDocument {
  private constructor(
    readonly file: string,
    private text: string,
    /** False until the file exists on disk; an absent file behaves as an empty config. */
    readonly existed: boolean,
  ) {}

  static async read(file: string): Promise<McpConfigDocument> {
    const text = await readFileIfExists(file);
    const doc = new McpConfigDocument(file, text ?? '{\n  "mcpServers": {}\n}\n', text !== undefined);
    if (text !== undefined) doc.validate();
    return doc;
  }

  /** The original text, to restore after a failed step. */
  static async snapshot(file: string): Promise<string | undefined> {
    return readFileIfExists(file);
  }

  toString(): string {
    return this.text;
  }

  /** Parses and validates without expanding variables; throws McpConfigError naming file and field. */
  validate(): McpConfig {
    return buildMcpConfig(this.text, this.file, undefined);
  }

  serverNames(): string[] {
    return [...this.entriesOf('servers'), ...this.entriesOf('mcpServers')].map(([name]) => name);
  }

  has(name: string): boolean {
    return this.locate(name) !== undefined;
  }

  /** The raw entry as written (with `${VAR}` templates), or a NOT_FOUND error with suggestions. */
  get(name: string): { form: ConfigForm; entry: RawEntry } {
    const form = this.locate(name);
    if (!form) throw unknownNameError('server', name, this.serverNames());
    return { form, entry: this.value([form, name]) as RawEntry };
  }

  /** Chains that list this server or chain as a member, or run a pre-step on it. */
  chainsReferencing(name: string): string[] {
    return Object.entries(this.chains())
      .filter(([, chain]) => memberIndexes(chain, name).length > 0 || preStepIndexes(chain, name).length > 0)
      .map(([chain]) => chain);
  }

  /**
   * Takes a removed server out of every chain so the file stays valid. A chain left with no members
   * is removed too, and so on for chains that listed it.
   */
  detachFromChains(name: string): { updated: string[]; removed: string[] } {
    const updated = new Set<string>();
    const removed: string[] = [];
    const queue = [name];
    while (queue.length > 0) {
      const gone = queue.shift() as string;
      for (const [chainName, chain] of Object.entries(this.chains())) {
        const members = memberIndexes(chain, gone);
        const steps = preStepIndexes(chain, gone);
        if (members.length === 0 && steps.length === 0) continue;
        const remaining = (chain.servers ?? []).length - members.length;
        if (remaining <= 0) {
          this.edit(['chains', chainName], undefined);
          removed.push(chainName);
          updated.delete(chainName);
          queue.push(chainName);
          continue;
        }
        for (const i of [...steps].reverse()) this.edit(['chains', chainName, 'preSteps', i], undefined);
        for (const i of [...members].reverse()) this.edit(['chains', chainName, 'servers', i], undefined);
        updated.add(chainName);
      }
    }
    return { updated: [...updated], removed };
  }

  private chains(): Record<string, RawChain> {
    const value = this.value(['chains']);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, RawChain>)
      : {};
  }

  /** Adds or updates a server; an update rewrites only the keys setup owns. */
  upsertServer(name: string, definition: ServerDefinition): 'added' | 'updated' {
    const existing = this.locate(name);
    const form = existing ?? this.preferredForm();
    const wanted = toEntry(definition, form);
    if (!existing) {
      this.edit([form, name], { ...wanted, ...(form === 'servers' ? { enabled: true } : {}) });
      return 'added';
    }
    const current = this.value([form, name]) as RawEntry;
    for (const key of MANAGED_KEYS) {
      const next = wanted[key];
      if (next !== undefined) this.edit([form, name, key], next);
      else if (key in current) this.edit([form, name, key], undefined);
    }
    return 'updated';
  }

  removeServer(name: string): void {
    const { form } = this.get(name);
    this.edit([form, name], undefined);
  }

  /** Returns false when the server already was in that state. */
  setEnabled(name: string, enabled: boolean): boolean {
    const { form, entry } = this.get(name);
    const wasEnabled = entry.enabled === undefined ? entry.disabled !== true : entry.enabled === true;
    if ('disabled' in entry) this.edit([form, name, 'disabled'], undefined);
    if (enabled && entry.enabled === undefined && form === 'mcpServers') {
      // the client form's default is enabled; no key needed
    } else {
      this.edit([form, name, 'enabled'], enabled);
    }
    return wasEnabled !== enabled;
  }

  async save(): Promise<void> {
    await writeFileAtomic(this.file, this.text);
  }

  private preferredForm(): ConfigForm {
    const hasServers = this.value(['servers']) !== undefined;
    const hasClient = this.value(['mcpServers']) !== undefined;
    if (hasServers && !hasClient) return 'servers';
    if (hasServers && hasClient)
      return this.entriesOf('servers').length > this.entriesOf('mcpServers').length
        ? 'servers'
        : 'mcpServers';
    return 'mcpServers';
  }

  private locate(name: string): ConfigForm | undefined {
    if (this.entriesOf('servers').some(([n]) => n === name)) return 'servers';
    if (this.entriesOf('mcpServers').some(([n]) => n === name)) return 'mcpServers';
    return undefined;
  }

  private entriesOf(form: ConfigForm): [string, unknown][] {
    const value = this.value([form]);
    return value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  }

  private value(path: (string | number)[]): unknown {
    const root = parseTree(this.text, [], { allowTrailingComma: true });
    const node = root && findNodeAtLocation(root, path);
    return node ? (getNodeValue(node) as unknown) : undefined;
  }

  private edit(path: (string | number)[], value: unknown): void {
    if (value === undefined) {
      this.remove(path);
      return;
    }
    const root = parseTree(this.text, [], { allowTrailingComma: true });
    const existing = root && findNodeAtLocation(root, path);
    const parent = root && (path.length > 1 ? findNodeAtLocation(root, path.slice(0, -1)) : root);
    const key = path[path.length - 1];
    if (!existing && parent?.type === 'object' && typeof key === 'string') {
      this.insertProperty(parent, key, value);
      return;
    }
    // Replacing a value in place: jsonc-parser formats only the replaced range.
    const edits = modify(this.text, path, value, { formattingOptions: this.formatting() });
    this.text = applyEdits(this.text, edits);
  }

  /**
   * Appends a property after the object's last one, indented like its siblings (or inline when the
   * object is written on one line). jsonc-parser's own insertion re-formats the whole object.
   */
  private insertProperty(parent: Node, key: string, value: unknown): void {
    const { eol, unit } = this.style();
    const children = parent.children ?? [];
    const last = children[children.length - 1];
    if (last) {
      const at = last.offset + last.length;
      const inline = !this.text.slice(parent.offset, last.offset).includes('\n');
      const indent = lineIndent(this.text, last.offset);
      const rendered = inline
        ? `, ${JSON.stringify(key)}: ${JSON.stringify(value)}`
        : `,${eol}${indent}${JSON.stringify(key)}: ${render(value, unit, indent, eol)}`;
      this.text = this.text.slice(0, at) + rendered + this.text.slice(at);
      return;
    }
    const outer = lineIndent(this.text, parent.offset);
    const indent = outer + unit;
    const inner = `${eol}${indent}${JSON.stringify(key)}: ${render(value, unit, indent, eol)}${eol}${outer}`;
    this.text =
      this.text.slice(0, parent.offset + 1) + inner + this.text.slice(parent.offset + parent.length - 1);
  }

  /**
   * Deletes a property or array element by cutting its own text (and one separator) only.
   * jsonc-parser's `modify` would re-format the whole parent, which is not ours to restyle.
   */
  private remove(path: (string | number)[]): void {
    const root = parseTree(this.text, [], { allowTrailingComma: true });
    const target = root && findNodeAtLocation(root, path);
    if (!target) return;
    // A property's value node's parent is the property; an array element is its own item.
    const item = target.parent?.type === 'property' ? target.parent : target;
    const container = item.parent as Node;
    const siblings = container.children ?? [];
    const index = siblings.indexOf(item);
    const next = siblings[index + 1];
    const previous = siblings[index - 1];
    let start = item.offset;
    let end = item.offset + item.length;
    if (next) end = next.offset;
    else if (previous) start = previous.offset + previous.length;
    else {
      start = container.offset + 1;
      end = container.offset + container.length - 1;
    }
    this.text = this.text.slice(0, start) + this.text.slice(end);
  }

  /** The file's own indentation and line endings, so edits look hand-written. */
  private style(): { unit: string; eol: string } {
    const unit = /^([ \t]+)\S/m.exec(this.text)?.[1] ?? '  ';
    return { unit: unit.startsWith('\t') ? '\t' : unit, eol: this.text.includes('\r\n') ? '\r\n' : '\n' };
  }

  private formatting(): FormattingOptions {
    const { unit, eol } = this.style();
    return { insertSpaces: unit !== '\t', tabSize: unit === '\t' ? 1 : unit.length, eol };
  }
}

function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

/** JSON in the file's indent unit, continuation lines shifted to the property's indentation. */
function render(value: unknown, unit: string, indent: string, eol: string): string {
  return JSON.stringify(value, null, unit)
    .split('\n')
    .join(eol + indent);
}

function toEntry(definition: ServerDefinition, form: ConfigForm): RawEntry {
  const stdio = definition.transport === 'stdio';
  const type = form === 'servers' && stdio ? 'external' : definition.transport;
  const entry: RawEntry = { type };
  if (stdio) {
    entry.command = definition.command;
    entry.args = definition.args ?? [];
    if (definition.env && Object.keys(definition.env).length > 0) entry.env = definition.env;
  } else {
    entry.url = definition.url;
    if (definition.headers && Object.keys(definition.headers).length > 0) entry.headers = definition.headers;
  }
  return entry;
}

function memberIndexes(chain: RawChain, name: string): number[] {
  const servers = Array.isArray(chain?.servers) ? chain.servers : [];
  return servers.flatMap((s, i) => (s === name ? [i] : []));
}

function preStepIndexes(chain: RawChain, name: string): number[] {
  const steps = Array.isArray(chain?.preSteps) ? chain.preSteps : [];
  return steps.flatMap((s, i) => (s?.server === name ? [i] : []));
}
