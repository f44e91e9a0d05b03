import { Alarm } from '../../runtime/alarm';
import { bufferedStream, subscriberTooSlow } from './subscriber-buffer';
import type { ChangeSource } from '../../runtime/ports';

/**
 * A snapshot now, then again after changes, at most once every `intervalMs`: many changes within
 * one interval cost one load, and a subscriber that reads slowly simply gets fewer, newer
 * snapshots (the next one is loaded only once it took the previous one).
 */
export function snapshotStream<T>(changes: ChangeSource<unknown>, load: () => Promise<T>, intervalMs: number): AsyncIterableIterator<T> {
  return bufferedStream<T>({ capacity: 1, tooSlow: () => subscriberTooSlow(1) }, (sink) => {
    let changed = false;
    const alarm = new Alarm();
    const pause = new Alarm();
    const unsubscribe = changes.subscribe({
      change: () => { changed = true; alarm.wake(); },
      resync: () => { changed = true; alarm.wake(); },
    });
    void (async () => {
      try {
        while (!sink.closed) {
          changed = false;
          await sink.pushWhenRoom(await load());
          while (!changed && !sink.closed) await alarm.sleep(60000);
          if (!sink.closed) await pause.sleep(intervalMs);
        }
      } catch (error) {
        sink.fail(error);
      }
    })();
    return () => {
      unsubscribe();
      alarm.wake();
      pause.wake();
    };
  });
}
