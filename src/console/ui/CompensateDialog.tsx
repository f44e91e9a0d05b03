import { useState } from 'react';
import { ActionDialog } from './ActionDialog';
import { ConsoleCompensateDocument, ConsolePlanDocument } from './generated';
import { useQuery } from './hooks';
import { Json, Refusal, Status } from './ui';

/**
 * Shows the compensation plan (what would be undone, in order, with the commands it sends) and
 * runs exactly that plan, by its token. A plan the saga has outgrown is refused (PLAN_OUTDATED):
 * the new plan is then shown for review, not run.
 */
export function CompensateDialog({ sagaId, onDone, onCancel }: { sagaId: string; onDone(): void; onCancel(): void }) {
  const plan = useQuery(ConsolePlanDocument, { sagaId });
  const [outdated, setOutdated] = useState(false);
  const current = plan.data?.compensationPlan;
  return (
    <ActionDialog
      title="Compensate saga"
      document={ConsoleCompensateDocument}
      variables={() => (current && !plan.loading ? { id: sagaId, planToken: current.planToken } : null)}
      onDone={onDone}
      onCancel={onCancel}
      onRefused={(error) => {
        if (error.code !== 'PLAN_OUTDATED') return false;
        setOutdated(true);
        plan.reload();
        return true;
      }}
    >
      <Refusal error={plan.error} />
      {outdated && <p className="refusal" data-testid="plan-outdated">The saga changed since this plan was made: review the new plan below.</p>}
      {current && (
        <div className="plan" data-testid="plan">
          <p>Plan for version {current.sagaVersion} ({current.sagaStatus}); needs role {current.requiredRoles.join(' or ')}.</p>
          {current.compensations.length === 0 && <p>Nothing has effects to undo.</p>}
          <ol>
            {current.compensations.map((c) => (
              <li key={c.step} data-step={c.step}>
                <b>{c.step}</b> ({c.participant}) <Status value={c.stepStatus} /> {c.inProgress && '— already running'}
                {c.commands.map((cmd, i) => <details key={i}><summary>{cmd.eventType} → {cmd.topic}</summary><Json value={cmd.payload} /></details>)}
              </li>
            ))}
          </ol>
        </div>
      )}
    </ActionDialog>
  );
}
