/**
 * A bench holds processes, sockets and namespaces that must not outlive it:
 * until the returned function is called, SIGINT / SIGTERM run `stop` (the
 * orderly cleanup) and exit 130 / 143, and any other exit runs `killNow`
 * (synchronous: an exit handler cannot wait).
 */
export function cleanUpOnInterrupt(what: string, stop: () => Promise<unknown>, killNow: () => void, log: (line: string) => void): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: ${what}`);
    void stop()
      .catch((error: Error) => log(`cleanup: ${error.message}`))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killNow);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killNow);
  };
}
