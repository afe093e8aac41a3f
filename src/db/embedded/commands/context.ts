/**
 * What every command handler receives: the parsed command, its database and the storage.
 * Handlers are synchronous, which is what makes each command atomic on the single JS thread.
 */
import type { Storage } from '../storage';
import type { Doc } from '../values';
import { fail } from '../errors';
import { Long, Int32 } from 'bson';
import { calculateObjectSize } from 'bson';

export interface CommandContext {
  storage: Storage;
  db: string;
  cmd: Doc;
  connectionId: number;
}

export type Handler = (ctx: CommandContext) => Doc;

export function collectionName(ctx: CommandContext, name: string): string {
  const v = ctx.cmd[name];
  if (typeof v !== 'string' || v === '') fail(73, `collection name has invalid type ${typeof v}`);
  return v;
}

const MAX_BATCH_BYTES = 15 * 1024 * 1024;

/** Cuts a batch of at most `batchSize` documents (or ~15 MB) and registers a cursor for the rest. */
export function cursorReply(
  ctx: CommandContext,
  ns: string,
  docs: Doc[],
  batchSize: number | undefined,
  single = false,
): Doc {
  const { batch, next } = takeBatch(docs, 0, batchSize ?? 101);
  const id = single ? Long.fromNumber(0) : ctx.storage.openCursor(ns, docs, next);
  return { cursor: { firstBatch: batch, id, ns }, ok: new Int32(1) };
}

export function takeBatch(docs: Doc[], from: number, batchSize: number): { batch: Doc[]; next: number } {
  const limit = batchSize > 0 ? batchSize : Infinity;
  const batch: Doc[] = [];
  let bytes = 0;
  let i = from;
  while (i < docs.length && batch.length < limit) {
    const doc = docs[i] as Doc;
    bytes += calculateObjectSize(doc);
    if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
    batch.push(doc);
    i += 1;
  }
  return { batch, next: i };
}
