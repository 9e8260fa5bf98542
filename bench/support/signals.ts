/**
 * On Ctrl-C or SIGTERM, runs `close` (stops the pipeline's child processes) before exiting, so an
 * interrupted benchmark leaves no `rivulet` processes behind. Returns a function that removes the handlers.
 */
export const closeOnSignals = (close: () => Promise<void>): (() => void) => {
  const handler = (signal: NodeJS.Signals) => {
    console.log(`\n${signal}: stopping the pipeline ...`);
    void close().catch(() => undefined).then(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
};
