import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, print, validate, visit, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { postGraphQL, takeFromSubscription, wsClient } from '../helpers/graphql';
import { SagaStack } from '../helpers/saga-stack';
import { eventually } from '../helpers/services';

/**
 * Every GraphQL example in the README, run as written against the real service, broker and
 * database: `…` placeholders become ids and tokens from the demo data, and any error fails the
 * test, so the README cannot drift from the API again.
 */
jest.setTimeout(180000);

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
// The README's examples use the key `npm start` prints, whose actor is `admin`.
const ADMIN_KEY = 'readme-admin-key-0000000000000001';

const blocks = (lang: string) => [...README.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

describe('the README examples', () => {
  let stack: SagaStack;
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const url = () => stack.service.url;

  beforeAll(async () => {
    stack = await SagaStack.start({ AUTH_TOKENS: `${ADMIN_KEY}=admin:admin`, SAGA_STEP_TIMEOUT_MS: '600000' });
    // Demo data the search examples find.
    for (const scenario of [undefined, 'fail-payment']) await stack.participants.createOrder(scenario ? { scenario } : {});
  });
  afterAll(async () => { await stack?.stop(); });

  /** A fresh saga waiting on a payment that never answers: the state the action examples assume. */
  async function waitingSaga(): Promise<string> {
    const order = await stack.participants.createOrder({ scenario: 'silent:ProcessPayment' });
    return (await eventually(async () => { const s = await stack.sagaByOrder(order.orderId); return s?.current_step === 'processPayment' ? s : undefined; }, 20000, 'a waiting saga')).id;
  }

  async function gql(query: string): Promise<any> {
    const { body } = await postGraphQL(url(), query, {}, auth);
    if (body.errors) throw new Error(`${query}\n-> ${JSON.stringify(body.errors)}`);
    return body.data;
  }

  /** The values the placeholders of one operation stand for. */
  async function placeholders(operation: OperationDefinitionNode, state: { lastSaga?: string; lastRun?: string }): Promise<Record<string, string>> {
    const field = (operation.selectionSet.selections[0] as { name: { value: string } }).name.value;
    if (field === 'runBulkAction' || field === 'bulkActionProgress') {
      if (field === 'bulkActionProgress' && state.lastRun) return { id: state.lastRun };
      await waitingSaga();
      const { previewBulkAction } = await gql('mutation { previewBulkAction(filter: {status: [RUNNING]}, action: {action: RESUME}) { token } }');
      return { token: previewBulkAction.token, id: previewBulkAction.token };
    }
    const sagaId = await waitingSaga();
    state.lastSaga = sagaId;
    const { compensationPlan } = await gql(`{ compensationPlan(sagaId: "${sagaId}") { planToken } }`);
    return { id: sagaId, sagaId, planToken: compensationPlan.planToken };
  }

  function fill(document: DocumentNode, values: Record<string, string>): DocumentNode {
    return visit(document, {
      Argument(node) {
        if (node.value.kind === Kind.STRING && node.value.value === '…') {
          if (!(node.name.value in values)) throw new Error(`no value for the placeholder of ${node.name.value}`);
          return { ...node, value: { ...node.value, value: values[node.name.value] } };
        }
        return undefined;
      },
    });
  }

  it('has GraphQL examples', () => {
    expect(blocks('graphql').length).toBeGreaterThanOrEqual(8);
  });

  it('runs every GraphQL example as written, with placeholders filled from demo data', async () => {
    const schema = buildSchema(readFileSync(join(ROOT, 'schema', 'schema.graphql'), 'utf8'));
    const state: { lastSaga?: string; lastRun?: string } = {};
    let ran = 0;
    for (const block of blocks('graphql')) {
      for (const operation of parse(block).definitions as OperationDefinitionNode[]) {
        const single: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation] };
        const problems = validate(schema, single);
        expect([print(operation), problems.map((p) => p.message)]).toEqual([print(operation), []]);
        const hasPlaceholder = print(operation).includes('"…"');
        const document = hasPlaceholder && !/sagaEventFeed|auditLogUpdated/.test(print(operation)) ? fill(single, await placeholders(operation, state)) : single;
        if (operation.operation === 'subscription') {
          // Streams that answer at once (stored events, a finished run's outcomes) run for real;
          // the others (live-only) are checked against the schema above.
          if (/sagaEvents|bulkActionProgress/.test(print(operation))) {
            const client = wsClient(url(), auth);
            try {
              const text = print(document).replace('afterSequence: 12', 'afterSequence: 1');
              await takeFromSubscription(client, text, 1);
            } finally {
              await client.dispose();
            }
          }
        } else {
          const data = await gql(print(document));
          if (data.runBulkAction) state.lastRun = data.runBulkAction.id;
        }
        ran++;
      }
    }
    expect(ran).toBeGreaterThanOrEqual(15);
    // The audit example filters by the actor of the printed key: it finds the compensation above.
    const { auditLog } = await gql('{ auditLog(filter: {actor: "admin", action: "compensate"}, first: 20) { entries { sagaId } } }');
    expect(auditLog.entries.length).toBeGreaterThan(0);
  });

  it('runs the shell examples: the curl call and the gql() helper of the Operator guide', async () => {
    const host = url().replace(/^http:\/\//, '');
    for (const block of blocks('bash').filter((b) => b.includes('localhost:8095/graphql'))) {
      const script = block.replace(/^KEY=.*$/m, '').replaceAll('localhost:8095', host);
      // Not execFileSync: the service runs in this process and must answer meanwhile.
      const { stdout: out } = await promisify(execFile)('bash', ['-euc', script], { env: { ...process.env, KEY: ADMIN_KEY }, encoding: 'utf8' });
      const answer = JSON.parse(out.trim().split('\n').pop()!);
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toBeDefined();
    }
  });
});
