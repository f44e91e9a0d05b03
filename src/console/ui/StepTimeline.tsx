import type { ConsoleSagaQuery } from './generated';
import { ms, Status, Time } from './ui';

type Saga = NonNullable<ConsoleSagaQuery['saga']>;

const span = (from?: string | null, to?: string | null) => (from && to ? ms(new Date(to).getTime() - new Date(from).getTime()) : '');

/** Each step's forward run and compensation: when, how long, how many attempts, what it waits on. */
export function StepTimeline({ saga }: { saga: Saga }) {
  return (
    <table className="timeline" data-testid="steps">
      <thead>
        <tr><th>#</th><th>Step</th><th>Status</th><th>Attempts</th><th>Started</th><th>Ended</th><th>Took</th><th>Waiting</th><th>Compensation</th><th>Last error</th></tr>
      </thead>
      <tbody>
        {[...saga.steps].sort((a, b) => a.position - b.position).map((step) => {
          const waits = saga.waitingOn.filter((w) => w.step === step.name);
          return (
            <tr key={step.name} data-step={step.name} data-status={step.status}>
              <td>{step.position}</td>
              <td>{step.name}</td>
              <td><Status value={step.status} /></td>
              <td>{step.attempts}{step.compensationAttempts ? ` / ${step.compensationAttempts} undo` : ''}</td>
              <td><Time at={step.startedAt} /></td>
              <td><Time at={step.endedAt} /></td>
              <td>{span(step.startedAt, step.endedAt)}</td>
              <td>{waits.map((w) => <div key={w.eventId}>{w.phase} {w.eventType}: {ms(w.waitingMs)}, {w.retries} re-sends</div>)}</td>
              <td>{step.compensationStartedAt ? <><Time at={step.compensationStartedAt} /> → <Time at={step.compensationEndedAt} /></> : ''}</td>
              <td className="error">{step.lastError}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Transport diagnostics: where each awaited command is on the broker, and its timer. */
export function WaitingOn({ saga }: { saga: Saga }) {
  if (!saga.waitingOn.length) return <p className="muted">Not waiting on any command.</p>;
  return (
    <table className="waiting" data-testid="waiting-on">
      <thead>
        <tr><th>Step</th><th>Phase</th><th>Command</th><th>Topic / partition / offset</th><th>Published</th><th>Waiting</th><th>Re-sends</th><th>Timer due</th><th>eventId</th></tr>
      </thead>
      <tbody>
        {saga.waitingOn.map((w) => (
          <tr key={w.eventId}>
            <td>{w.step}</td>
            <td>{w.phase}</td>
            <td>{w.eventType}</td>
            <td>{w.topic} / {w.partition ?? '–'} / {w.offset ?? '–'}</td>
            <td><Time at={w.publishedAt} /></td>
            <td>{ms(w.waitingMs)} since <Time at={w.waitingSince} /></td>
            <td>{w.retries}</td>
            <td><Time at={w.timerDueAt} /></td>
            <td><code>{w.eventId}</code></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
