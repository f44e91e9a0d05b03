import { useState } from 'react';
import { ActionDialog } from './ActionDialog';
import { CompensateDialog } from './CompensateDialog';
import {
  ConsoleAbortDocument, ConsoleDefinitionsDocument, ConsoleResendDocument, ConsoleResumeDocument, ConsoleRetryDocument,
  type ConsoleSagaQuery,
} from './generated';
import { useQuery, useSession } from './hooks';
import { canIntervene, canOperate } from './roles';
import { SkipDialog } from './SkipDialog';

type Saga = NonNullable<ConsoleSagaQuery['saga']>;
type Dialog = 'compensate' | 'retry' | 'resend' | 'skip' | 'resume' | 'abort';

/** Statuses in which a manual action can still change something. */
const ACTIONABLE = new Set(['RUNNING', 'COMPENSATING', 'COMPENSATION_FAILED']);

/** The action buttons the caller's roles allow, and the open action's dialog. */
export function Actions({ saga, onDone }: { saga: Saga; onDone(): void }) {
  const { roles } = useSession();
  const [open, setOpen] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState<string>();
  const definitions = useQuery(ConsoleDefinitionsDocument, {}, !canIntervene(roles));
  if (!canIntervene(roles)) return null;
  if (!ACTIONABLE.has(saga.status)) return <p className="muted" data-testid="actions">No actions: the saga has ended ({saga.status}).{notice && <span className="notice"> {notice}</span>}</p>;
  const definition = definitions.data?.sagaDefinitions.find((d) => d.name === saga.type && d.version === saga.definitionVersion);
  // The step an action acts on: the one compensating, else the one running.
  const step = saga.steps.find((s) => s.status === 'COMPENSATING')?.name ?? saga.currentStep ?? undefined;
  const stepDef = definition?.steps.find((s) => s.name === step);
  const done = (what: string) => () => { setOpen(null); setNotice(`${what}: sent`); onDone(); };
  const close = () => setOpen(null);
  const button = (dialog: Dialog, label: string, show = true) => show && (
    <button type="button" name={dialog} onClick={() => { setNotice(undefined); setOpen(dialog); }} disabled={open === dialog}>{label}</button>
  );
  return (
    <div className="actions" data-testid="actions">
      <div className="buttons">
        {button('compensate', 'Compensate…')}
        {button('retry', `Retry ${step ?? 'step'}…`, !!step)}
        {button('resend', `Re-send ${step ?? ''} command…`, !!step)}
        {button('skip', `Skip ${step ?? 'step'}…`, !!stepDef?.skippable && saga.status === 'RUNNING')}
        {button('resume', 'Resume…')}
        {button('abort', 'Abort…', canOperate(roles))}
      </div>
      {notice && <p className="notice" data-testid="notice">{notice}</p>}
      {open === 'compensate' && <CompensateDialog sagaId={saga.id} onDone={done('compensate')} onCancel={close} />}
      {open === 'skip' && step && <SkipDialog sagaId={saga.id} step={step} schema={stepDef?.outputSchema ?? undefined} onDone={done(`skip ${step}`)} onCancel={close} />}
      {open === 'retry' && step && (
        <ActionDialog title={`Retry ${step}`} document={ConsoleRetryDocument} variables={() => ({ sagaId: saga.id, step })} onDone={done(`retry ${step}`)} onCancel={close} />
      )}
      {open === 'resend' && step && (
        <ActionDialog title={`Re-send ${step} command`} document={ConsoleResendDocument} variables={() => ({ sagaId: saga.id, step })} onDone={done(`re-send ${step}`)} onCancel={close} />
      )}
      {open === 'resume' && <ActionDialog title="Resume saga" document={ConsoleResumeDocument} variables={() => ({ id: saga.id })} onDone={done('resume')} onCancel={close} />}
      {open === 'abort' && (
        <ActionDialog title="Abort saga" document={ConsoleAbortDocument} variables={() => ({ id: saga.id })} onDone={done('abort')} onCancel={close}>
          <p>Stops the saga without compensating: you own the order from here.</p>
        </ActionDialog>
      )}
    </div>
  );
}
