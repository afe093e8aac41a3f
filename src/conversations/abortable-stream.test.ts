import { abortableStream } from './abortable-stream';

/** A generator that waits on a silent source (like a provider that has sent nothing yet). */
async function* silent(signal: AbortSignal, log: string[]): AsyncGenerator<string, void> {
  try {
    await new Promise<void>((_resolve, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason)),
    );
    yield 'never';
  } catch (error) {
    log.push(`stopped: ${(error as Error).name}`);
  } finally {
    log.push('cleaned up');
  }
}

describe('abortableStream', () => {
  it('aborts at once when return() is called while the generator awaits, and resolves after its cleanup', async () => {
    const log: string[] = [];
    const stream = abortableStream((signal) => silent(signal, log));
    const pending = stream.next();
    // A plain generator would queue this return() until its next yield, which never comes.
    await expect(stream.return()).resolves.toEqual({ value: undefined, done: true });
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(log).toEqual(['stopped: AbortError', 'cleaned up']);
  });

  it('aborts on throw() too, and passes the error on', async () => {
    const log: string[] = [];
    const stream = abortableStream((signal) => silent(signal, log));
    const pending = stream.next();
    await expect(stream.throw(new Error('consumer failed'))).rejects.toThrow('consumer failed');
    await pending;
    expect(log).toContain('cleaned up');
  });

  it('tells the caller when the stream is stopped before it ever ran, since its body will not clean up', async () => {
    const log: string[] = [];
    const unstarted = jest.fn(async () => undefined);
    const stream = abortableStream((signal) => silent(signal, log), { onStoppedUnstarted: unstarted });
    await stream.return();
    expect(unstarted).toHaveBeenCalledTimes(1);
    expect(log).toEqual([]);
    const started = abortableStream((signal) => silent(signal, log), { onStoppedUnstarted: unstarted });
    const pending = started.next();
    await started.return();
    await pending;
    expect(unstarted).toHaveBeenCalledTimes(1);
  });
});
