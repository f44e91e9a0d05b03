import { InboxMessage } from './inbox-message.entity';
import { OutboxMessage } from './outbox-message.entity';
import { SagaEvent } from './saga-event.entity';
import { SagaInstance } from './saga-instance.entity';
import { SagaStep } from './saga-step.entity';

export { InboxMessage, OutboxMessage, SagaEvent, SagaInstance, SagaStep };
export const ENTITIES = [SagaInstance, SagaStep, SagaEvent, OutboxMessage, InboxMessage];
