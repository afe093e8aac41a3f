/**
 * Writing to a stream without letting its buffer grow: when `write` says the buffer is full we wait
 * for 'drain' (or fail if the stream errors or closes first). This is what keeps memory bounded when
 * the destination is slower than the row source.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export async function writeChunk(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await waitForDrain(out);
}

export async function waitForDrain(out: Writable): Promise<void> {
  if (!out.writableNeedDrain) return;
  const ac = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: ac.signal }),
      once(out, 'close', { signal: ac.signal }).then(() => {
        throw new Error('output stream closed before the export finished');
      }),
    ]);
  } finally {
    ac.abort();
  }
}

/** Ends the stream and resolves once everything has been flushed to its destination. */
export async function finish(out: Writable): Promise<void> {
  if (out.writableFinished) return;
  const done = once(out, 'finish');
  out.end();
  await done;
}
