/**
 * Process-tree bookkeeping for stdio servers. Each server runs as the leader of its own process
 * group, so `npx` and whatever it spawns die together. Groups still alive when this process exits
 * (even on an uncaught error) are SIGKILLed, and termination signals are passed on, so neither a
 * crash nor a Ctrl-C of ours leaves orphans behind.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * Our servers live in their own process groups, so a Ctrl-C or SIGTERM aimed at us does not reach
 * them. On those signals we pass a SIGTERM on to every group; if nobody else handles the signal we
 * then exit as Node would have (128 + signal number), otherwise the app's own shutdown proceeds.
 */
function onTerminationSignal(signal: NodeJS.Signals): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGTERM');
  if (process.listenerCount(signal) <= 1) process.exit(128 + (signalNumbers[signal] ?? 0));
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
  for (const signal of Object.keys(signalNumbers) as NodeJS.Signals[])
    process.on(signal, onTerminationSignal);
}

export function trackGroup(pgid: number): void {
  installExitHook();
  liveGroups.add(pgid);
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** Sends `signal` to every process in the group; false when none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

// Not unref'd: a shutdown waiting on these must keep the process alive until the tree is gone.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** SIGTERM the whole group, then SIGKILL whatever is still there after `graceMs`. */
export async function killGroup(pgid: number, graceMs = 1500): Promise<void> {
  if (signalGroup(pgid, 'SIGTERM')) {
    const deadline = Date.now() + graceMs;
    while (groupAlive(pgid) && Date.now() < deadline) await sleep(25);
    if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
    while (groupAlive(pgid) && Date.now() < deadline + graceMs) await sleep(25);
  }
  untrackGroup(pgid);
}
