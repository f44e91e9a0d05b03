/**
 * Runs a stream's tasks one at a time, in the order they were queued, so a live change never
 * overtakes a read from storage queued before it. At most `limit` tasks wait: one more means the
 * subscriber is too far behind (its tasks wait for room in its buffer), and `overflow` is called
 * instead of queueing. A failing task ends the queue: `failed` is called, nothing else runs.
 */
export function serialQueue(limit: number, failed: (error: unknown) => void, overflow: () => void): (task: () => Promise<void>) => void {
  let chain: Promise<void> = Promise.resolve();
  let waiting = 0;
  let broken = false;
  return (task) => {
    if (broken) return;
    if (waiting >= limit) {
      broken = true;
      overflow();
      return;
    }
    waiting += 1;
    chain = chain.then(async () => {
      try {
        if (!broken) await task();
      } catch (error) {
        broken = true;
        failed(error);
      } finally {
        waiting -= 1;
      }
    });
  };
}
