import { createLogger } from '../shared/logger';
import { onShutdownSignals } from './shutdown';

const logger = createLogger({ level: 'silent' });
const flush = () => new Promise((r) => setImmediate(r));

describe('onShutdownSignals', () => {
  it('stops gracefully on the first signal and exits 0', async () => {
    const exit = jest.fn();
    const stop = jest.fn(async () => undefined);
    const off = onShutdownSignals(stop, logger, exit);
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGINT', 'SIGINT'); // relayed duplicate: ignored
    await flush();
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
    off();
  });

  it('exits 1 when the graceful stop fails', async () => {
    const exit = jest.fn();
    const off = onShutdownSignals(() => Promise.reject(new Error('db gone')), logger, exit);
    process.emit('SIGINT', 'SIGINT');
    await flush();
    expect(exit).toHaveBeenCalledWith(1);
    off();
  });

  it('exits at once on a second signal after a second', async () => {
    const exit = jest.fn();
    const now = jest.spyOn(Date, 'now');
    now.mockReturnValue(1_000);
    const off = onShutdownSignals(() => new Promise(() => undefined), logger, exit);
    process.emit('SIGTERM', 'SIGTERM');
    now.mockReturnValue(2_500);
    process.emit('SIGTERM', 'SIGTERM');
    expect(exit).toHaveBeenCalledWith(1);
    off();
    now.mockRestore();
  });
});
