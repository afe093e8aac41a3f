/**
 * A counting semaphore with a FIFO queue: at most `max` holders; the rest wait in arrival order and
 * can give up (abort signal or deadline) without disturbing the queue.
 */
export class QueueWaitAborted extends Error {
  constructor(readonly reason: 'aborted' | 'deadline') {
    super(reason === 'aborted' ? 'aborted while queued' : 'deadline passed while queued');
  }
}

interface Waiter {
  grant: () => void;
}

export class Semaphore {
  private holders = 0;
  private readonly waiters: Waiter[] = [];

  constructor(public max: number) {}

  get active(): number {
    return this.holders;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function once a slot is free. */
  acquire(options: { signal?: AbortSignal; deadline?: number } = {}): Promise<() => void> {
    const { signal, deadline } = options;
    if (signal?.aborted) return Promise.reject(new QueueWaitAborted('aborted'));
    if (this.holders < this.max && this.waiters.length === 0) {
      this.holders += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = (reason: 'aborted' | 'deadline') => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        cleanup();
        reject(new QueueWaitAborted(reason));
      };
      const onAbort = () => leave('aborted');
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          this.holders += 1;
          resolve(this.releaser());
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined)
        timer = setTimeout(() => leave('deadline'), Math.max(0, deadline - Date.now()));
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holders -= 1;
      this.pump();
    };
  }

  private pump(): void {
    while (this.holders < this.max && this.waiters.length > 0) this.waiters.shift()?.grant();
  }

  /** Applies a new limit (config reload); extra waiters are let in at once if it grew. */
  resize(max: number): void {
    this.max = max;
    this.pump();
  }
}
