import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Client } from 'graphql-ws';
import { RetryStepDocument } from '../../generated/graphql';
import { bearer, wsAuth } from '../../helpers/auth';
import { postGraphQL, takeFromSubscription, wsClient } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

const ORDERS = 200;
const BUFFER = 50;

interface StepUpdate { sagaId: string; event: { sequence: number } }

/** A selection repeated under many aliases: a few hundred bytes become tens of kilobytes per message. */
const bigSelection = Array.from({ length: 100 }, (_, i) =>
  `a${i}: event { sequence type step actor detail at } s${i}: step { name status attempts }`).join(' ');

/**
 * A raw graphql-transport-ws client whose socket stops reading after the subscription is sent,
 * as a client on a stalled network would: what the server sends piles up in the TCP buffers
 * and then in the server's buffer for it.
 */
async function stalledSubscriber(url: string, query: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: { id?: string; type: string; payload?: any }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  socket.send(JSON.stringify({ type: 'connection_init', payload: wsAuth('viewer') }));
  await eventually(() => (messages.some((m) => m.type === 'connection_ack') ? true : undefined), 10000, 'connection_ack');
  // Stop reading before subscribing (sending still works), so not even the stored history that
  // answers at once is read. ws's own pause also keeps ws from resuming the socket when its
  // parser drains.
  socket.pause();
  socket.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query } }));
  return {
    messages,
    resume: () => socket.resume(),
    close: () => socket.terminate(),
  };
}

describe('a subscriber that stops reading', () => {
  let stack: SagaStack;
  let healthy: Client;
  beforeAll(async () => {
    // Steps wait a minute: on a busy machine no saga times out while the test watches.
    stack = await SagaStack.start({
      GRAPHQL_SUBSCRIBER_BUFFER: String(BUFFER), GRAPHQL_MAX_COMPLEXITY: '1000000', GRAPHQL_MAX_DEPTH: '20', SAGA_STEP_TIMEOUT_MS: '60000',
    });
    healthy = wsClient(stack.service.url, wsAuth('viewer'));
  }, 180000);
  afterAll(async () => {
    await healthy?.dispose();
    await stack?.stop();
  });

  it('is closed with SUBSCRIBER_TOO_SLOW while a healthy subscriber gets every change in order', async () => {
    const received: StepUpdate[] = [];
    const healthyErrors: unknown[] = [];
    healthy.subscribe<{ sagaStepUpdated: StepUpdate }>({ query: 'subscription { sagaStepUpdated { sagaId event { sequence } } }' }, {
      next: (v) => { if (v.errors) healthyErrors.push(v.errors); else received.push(v.data!.sagaStepUpdated); },
      error: (e) => healthyErrors.push(e),
      complete: () => healthyErrors.push('completed'),
    });
    const slow = await stalledSubscriber(stack.service.url, `subscription { sagaStepUpdated { sagaId ${bigSelection} } }`);
    try {
      const orders = await Promise.all(Array.from({ length: ORDERS }, () => stack.participants.createOrder()));
      const sagas = await Promise.all(orders.map((o) => stack.waitForStatus(o.orderId, 'COMPLETED', 120000)));

      // Every step event of every saga, in its sequence order, is what the healthy one must see.
      const expected = new Map<string, number[]>();
      for (const saga of sagas) {
        const steps = new Set((saga.state.steps as { name: string }[]).map((s) => s.name));
        expected.set(saga.id, (await stack.events(saga.id)).filter((e) => e.step !== null && steps.has(e.step)).map((e) => e.seq));
      }
      const total = [...expected.values()].reduce((n, s) => n + s.length, 0);
      const bySaga = () => {
        const seen = new Map<string, number[]>([...expected.keys()].map((id) => [id, []]));
        for (const u of received) seen.get(u.sagaId)?.push(u.event.sequence);
        return seen;
      };
      await eventually(() => ([...bySaga().values()].reduce((n, s) => n + s.length, 0) >= total ? true : undefined), 30000,
        `the healthy subscriber to get ${total} step updates`).catch(() => undefined);
      expect(healthyErrors).toEqual([]);
      expect(bySaga()).toEqual(expected);

      // The stalled one reads again: what was sent before it fell behind, then the error.
      expect(slow.messages.map((m) => m.type)).toEqual(['connection_ack']); // it really read nothing
      slow.resume();
      const error = await eventually(() => slow.messages.find((m) => m.id === 'slow' && m.type === 'error'), 30000, 'the slow subscriber\'s error');
      expect(error.payload[0].extensions.code).toBe('SUBSCRIBER_TOO_SLOW');
      expect(error.payload[0].message).toMatch(/too slow/i);
    } finally {
      slow.close();
    }
  }, 240000);

  it('a slow sagaEvents subscriber is told where to resume, and resuming there loses and repeats nothing', async () => {
    const order = await stack.participants.createOrder({ scenario: 'silent:ProcessPayment' });
    const saga = await eventually(async () => {
      const row = await stack.sagaByOrder(order.orderId);
      return row?.current_step === 'processPayment' ? row : undefined;
    }, 20000, 'the saga waiting in processPayment');
    const eventAliases = Array.from({ length: 300 }, (_, i) => `d${i}: detail t${i}: type a${i}: actor`).join(' ');
    const slow = await stalledSubscriber(stack.service.url, `subscription { sagaEvents(sagaId: "${saga.id}", afterSequence: 0) { sequence ${eventAliases} } }`);
    try {
      // Each retry commits a few events; together far more than the socket and the buffer hold.
      for (let i = 0; i < 150; i += 1) {
        const retried = await postGraphQL(stack.service.url, RetryStepDocument,
          { sagaId: saga.id, step: 'processPayment', reason: `nudge ${i}`, idempotencyKey: randomUUID() }, bearer('operator'));
        expect(retried.body.errors).toBeUndefined();
      }
      const total = (await stack.sagaByOrder(order.orderId))!.event_seq;
      expect(slow.messages.map((m) => m.type)).toEqual(['connection_ack']);
      slow.resume();
      const error = await eventually(() => slow.messages.find((m) => m.id === 'slow' && m.type === 'error'), 30000, 'the slow subscriber\'s error');
      expect(error.payload[0].extensions.code).toBe('SUBSCRIBER_TOO_SLOW');
      const resumeAfter = error.payload[0].extensions.resumeAfterSequence as number;
      // Everything handed to the socket before the error arrived, in order, and ends where it says.
      const seen = slow.messages.filter((m) => m.id === 'slow' && m.type === 'next').map((m) => m.payload.data.sagaEvents.sequence as number);
      expect(seen).toEqual(Array.from({ length: resumeAfter }, (_, i) => i + 1));
      expect(resumeAfter).toBeLessThan(total);
      const rest = await takeFromSubscription<{ sagaEvents: { sequence: number } }>(healthy,
        'subscription ($sagaId: ID!, $after: Int!) { sagaEvents(sagaId: $sagaId, afterSequence: $after) { sequence } }', total - resumeAfter,
        { sagaId: saga.id, after: resumeAfter });
      expect(rest.map((e) => e.sagaEvents.sequence)).toEqual(Array.from({ length: total - resumeAfter }, (_, i) => resumeAfter + 1 + i));
    } finally {
      slow.close();
    }
  }, 240000);
});
