/**
 * Keeps the Node event loop alive while MCP work is awaited. The MCP framework waits for server
 * process groups to die with unref'd timers; in a short-lived CLI nothing else may hold the loop,
 * so Node would exit (status 0, no output) in the middle of `await testServer(...)`. A ref'd
 * interval for the duration of the work prevents that.
 */
export async function keepAlive<T>(work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 60_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
