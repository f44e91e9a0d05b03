import { BulkAction, BulkActionItem } from './bulk-action.entity';
import { InboxMessage } from './inbox-message.entity';
import { ManualAction } from './manual-action.entity';
import { OutboxMessage } from './outbox-message.entity';
import { SagaDefinitionRecord } from './saga-definition.entity';
import { SagaEventCommit } from './saga-event-commit.entity';
import { SagaEvent } from './saga-event.entity';
import { SagaInstance } from './saga-instance.entity';
import { SagaStep } from './saga-step.entity';
import { SagaTimer } from './saga-timer.entity';

export { BulkAction, BulkActionItem, InboxMessage, ManualAction, OutboxMessage, SagaDefinitionRecord, SagaEvent, SagaEventCommit, SagaInstance, SagaStep, SagaTimer };
export const ENTITIES = [SagaInstance, SagaStep, SagaTimer, SagaEvent, SagaEventCommit, OutboxMessage, InboxMessage, ManualAction, BulkAction, BulkActionItem, SagaDefinitionRecord];
