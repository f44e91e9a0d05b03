import { BulkAction, BulkActionItem } from './bulk-action.entity';
import { InboxMessage } from './inbox-message.entity';
import { ManualAction } from './manual-action.entity';
import { OutboxMessage } from './outbox-message.entity';
import { SagaEvent } from './saga-event.entity';
import { SagaInstance } from './saga-instance.entity';
import { SagaStep } from './saga-step.entity';

export { BulkAction, BulkActionItem, InboxMessage, ManualAction, OutboxMessage, SagaEvent, SagaInstance, SagaStep };
export const ENTITIES = [SagaInstance, SagaStep, SagaEvent, OutboxMessage, InboxMessage, ManualAction, BulkAction, BulkActionItem];
