import { useCallback, useRef, useState } from 'react';
import { Actions } from './Actions';
import { AuditTable } from './AuditTable';
import { EventLog } from './EventLog';
import { ConsoleSagaDocument, ConsoleSagaEventsDocument, type ConsoleEventFragment } from './generated';
import { useQuery, useSubscription, useThrottled } from './hooks';
import { StepTimeline, WaitingOn } from './StepTimeline';
import { Json, ms, Refusal, Status, Time } from './ui';

/**
 * One saga. Its event log streams from `sagaEvents`; after a reconnect the stream continues after
 * the last sequence seen (see api.ts), so the log has no gap and no duplicate. Each new event
 * refetches the saga's state (steps, waits, audit), at most twice a second.
 */
export function SagaPage({ id }: { id: string }) {
  const query = useQuery(ConsoleSagaDocument, { id });
  const [events, setEvents] = useState<ConsoleEventFragment[]>([]);
  const [gap, setGap] = useState<string>();
  const last = useRef(0);
  const refetch = useThrottled(query.reload, 500);
  const onEvent = useCallback(({ sagaEvents: event }: { sagaEvents: ConsoleEventFragment }) => {
    if (event.sequence <= last.current) return;
    if (event.sequence !== last.current + 1) setGap(`events ${last.current + 1} to ${event.sequence - 1} are missing`);
    last.current = event.sequence;
    setEvents((list) => [...list, event]);
    refetch();
  }, [refetch]);
  const streamError = useSubscription(ConsoleSagaEventsDocument, { sagaId: id, afterSequence: 0 }, onEvent, (d) => ({ afterSequence: d.sagaEvents.sequence }));
  const saga = query.data?.saga;
  if (query.error && !saga) return <Refusal error={query.error} />;
  if (!saga) return <p>{query.loading ? 'loading…' : `No saga ${id}.`}</p>;
  return (
    <section className="saga" data-testid="saga-page" data-saga-id={saga.id}>
      <h2>
        <Status value={saga.status} /> {saga.type} v{saga.definitionVersion} · order {saga.orderId}
      </h2>
      <dl className="facts">
        <dt>Saga</dt><dd><code>{saga.id}</code></dd>
        {saga.traceId && <><dt>Trace</dt><dd><code data-testid="trace-id" title="W3C trace id: search for it in your tracing backend">{saga.traceId}</code></dd></>}
        <dt>Customer</dt><dd data-testid="customer">{saga.customerId}</dd>
        <dt>Current step</dt><dd data-testid="current-step">{saga.currentStep ?? '–'}</dd>
        <dt>Amount</dt><dd>{saga.totalAmount} → {saga.finalAmount} {saga.currency}</dd>
        <dt>Started</dt><dd><Time at={saga.startedAt} /></dd>
        <dt>Ended</dt><dd><Time at={saga.endedAt} /> {saga.durationMs !== null && saga.durationMs !== undefined && `(${ms(saga.durationMs)})`}</dd>
        {saga.failureReason && <><dt>Failure</dt><dd className="error">{saga.failureReason}</dd></>}
        {saga.lastError && <><dt>Last error</dt><dd className="error">{saga.lastError}</dd></>}
        {saga.timer && <><dt>Timer</dt><dd>{saga.timer.purpose} of {saga.timer.step} ({saga.timer.phase}, attempt {saga.timer.attempt}) due <Time at={saga.timer.dueAt} /></dd></>}
        {saga.warnings.length > 0 && <><dt>Warnings</dt><dd>{saga.warnings.join('; ')}</dd></>}
      </dl>
      <Actions saga={saga} onDone={query.reload} />
      <h3>Steps</h3>
      <StepTimeline saga={saga} />
      <h3>Waiting on</h3>
      <WaitingOn saga={saga} />
      <h3>Audit</h3>
      <AuditTable entries={saga.auditLog} />
      <h3>Data and step outputs</h3>
      <Json value={saga.data} />
      <h3>Event log <span className="muted" data-testid="event-count">{events.length} events</span></h3>
      {gap && <p className="refusal" data-testid="gap">{gap}</p>}
      <Refusal error={streamError} />
      <EventLog events={events} />
    </section>
  );
}
