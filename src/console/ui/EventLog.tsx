import type { ConsoleEventFragment } from './generated';
import { Time } from './ui';

/** The saga's event log as streamed, newest last. */
export function EventLog({ events }: { events: ConsoleEventFragment[] }) {
  return (
    <ol className="events" data-testid="events">
      {events.map((e) => (
        <li key={e.sequence} data-seq={e.sequence} data-type={e.type}>
          <span className="seq">#{e.sequence}</span> <Time at={e.at} /> <b>{e.type}</b>
          {e.step && <> · {e.step}</>} <span className="actor">{e.actor}</span>
          {Object.keys(e.detail).length > 0 && <details><summary>detail</summary><pre>{JSON.stringify(e.detail, null, 2)}</pre></details>}
        </li>
      ))}
    </ol>
  );
}
