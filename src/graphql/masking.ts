import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import {
  defaultFieldResolver, getNamedType, GraphQLError, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType,
  type GraphQLArgument, type GraphQLField, type GraphQLFieldResolver, type GraphQLInputType, type GraphQLSchema,
} from 'graphql';
import { maskValue, type PersonalDataPolicy } from '../core/personal-data';
import type { GraphQLContext, Viewer } from './context';
import { badInput } from './guards';

/**
 * The analyst role's view, applied once to the whole schema: every field of every type, on every
 * query, mutation result and subscription, over HTTP and graphql-ws, resolves through the rule of
 * its `Type.field` below. Resolvers and stream algorithms know nothing of it. A text or JSON field
 * missing from the table is masked for analysts (and a unit test fails until it is classified).
 *
 * - `public`: ids, codes, statuses, step names, amounts, cursors that encode only those;
 * - `personal`: masked (`***`);
 * - `text`: prose people wrote (operators' reasons, participants' messages, errors quoting both):
 *   masked as a whole, as no rule can tell what it mentions;
 * - `json`: business data, event details, filters: the saga definitions' personal fields and the
 *   default personal keys masked at any depth, free-text keys masked;
 * - `pseudonym`: an operator's idempotency key, replaced by a keyed hash (stable, not reversible);
 * - `sealedCursor`: a cursor that contains idempotency keys, encrypted for analysts (see `after`).
 */
export type FieldRule = 'public' | 'personal' | 'text' | 'json' | 'pseudonym' | 'sealedCursor';

export const ANALYST_FIELD_RULES: Record<string, FieldRule> = {
  'Caller.actor': 'public', 'Caller.roles': 'public',
  'ServiceInfo.name': 'public', 'ServiceInfo.version': 'public', 'ServiceInfo.transport': 'public', 'ServiceInfo.database': 'public',
  'Saga.id': 'public', 'Saga.type': 'public', 'Saga.orderId': 'public', 'Saga.businessKey': 'public', 'Saga.customerId': 'personal', 'Saga.failureReason': 'text',
  'Saga.currentStep': 'public', 'Saga.lastError': 'text', 'Saga.warnings': 'text', 'Saga.totalAmount': 'public',
  'Saga.finalAmount': 'public', 'Saga.currency': 'public', 'Saga.data': 'json', 'Saga.traceId': 'public',
  'UnkeptEffect.step': 'public', 'UnkeptEffect.key': 'public', 'UnkeptEffect.status': 'public', 'UnkeptEffect.reportedBy': 'public',
  'UnkeptEffect.commandEventIds': 'public', 'UnkeptEffect.detail': 'json',
  'SagaStepType.name': 'public', 'SagaStepType.lastError': 'text', 'SagaStepType.commandEventIds': 'public',
  'SagaTimerType.purpose': 'public', 'SagaTimerType.step': 'public', 'SagaTimerType.phase': 'public',
  'WaitingCommand.step': 'public', 'WaitingCommand.phase': 'public', 'WaitingCommand.eventId': 'public',
  'WaitingCommand.eventType': 'public', 'WaitingCommand.topic': 'public', 'WaitingCommand.offset': 'public',
  'SagaEventType.sagaId': 'public', 'SagaEventType.type': 'public', 'SagaEventType.step': 'public', 'SagaEventType.detail': 'json',
  'SagaEventType.actor': 'public',
  'AuditEntry.id': 'pseudonym', 'AuditEntry.sagaId': 'public', 'AuditEntry.orderId': 'public', 'AuditEntry.action': 'public',
  'AuditEntry.step': 'public', 'AuditEntry.actor': 'public', 'AuditEntry.roles': 'public', 'AuditEntry.reason': 'text',
  'AuditEntry.stateBefore': 'json',
  'AuditOutcomeType.status': 'public', 'AuditOutcomeType.detail': 'text', 'AuditOutcomeType.sagaStatus': 'public',
  'AuditOutcomeType.stepStatus': 'public',
  'AuditPage.endCursor': 'sealedCursor',
  'SagaEdge.cursor': 'public', 'PageInfo.endCursor': 'public',
  'SagaDefinitionInfo.name': 'public', 'SagaDefinitionInfo.fingerprint': 'public',
  'SagaStepDefinitionInfo.name': 'public', 'SagaStepDefinitionInfo.participant': 'public', 'SagaStepDefinitionInfo.description': 'public',
  'SagaStepDefinitionInfo.outputSchema': 'public',
  'CompensationPlan.sagaId': 'public', 'CompensationPlan.planToken': 'public', 'CompensationPlan.requiredRoles': 'public',
  'PlannedCompensation.step': 'public', 'PlannedCompensation.participant': 'public',
  'PlannedCommand.topic': 'public', 'PlannedCommand.eventType': 'public', 'PlannedCommand.payload': 'json',
  'BulkAction.id': 'public', 'BulkAction.step': 'public', 'BulkAction.filter': 'json', 'BulkAction.createdBy': 'public',
  'BulkAction.reason': 'text', 'BulkAction.startedBy': 'public',
  'BulkActionItem.sagaId': 'public', 'BulkActionItem.code': 'public', 'BulkActionItem.message': 'text',
  'BulkActionPreview.token': 'public', 'BulkActionPreview.sagaIds': 'public', 'BulkActionPreview.step': 'public',
  'SagaStepUpdate.sagaId': 'public', 'SagaStepUpdate.orderId': 'public', 'SagaStepUpdate.businessKey': 'public',
  'SagaFeedEvent.cursor': 'public', 'SagaFeedEvent.sagaType': 'public',
  'BulkActionProgress.bulkActionId': 'public',
};

/**
 * Arguments that take a cursor sealed for analysts; they are unsealed before the resolver runs.
 * Filters on what an analyst cannot see (a personal key, free text) are refused with FORBIDDEN:
 * a search by customer would tell who has which orders even with the results masked.
 */
const SEALED_CURSOR_ARGS: Record<string, string> = { 'Query.auditLog': 'after' };

const masked = new WeakSet<GraphQLSchema>();

/** Scalars that cannot carry a name, an address or prose. */
const SAFE_SCALARS = new Set(['Int', 'Float', 'Boolean', 'DateTimeISO']);

/** Callers whose every role is `analyst` read with personal data masked; any other role sees it. */
export function mustMask(viewer: Viewer | null): boolean {
  return !!viewer && viewer.roles.length > 0 && viewer.roles.every((role) => role === 'analyst');
}

/** The fields that need a rule: text and JSON leaves (objects are masked field by field, enums and numbers are safe). */
export function fieldsNeedingRules(schema: GraphQLSchema): string[] {
  return Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && !t.name.startsWith('__')).flatMap((type) => {
    if (!isObjectType(type)) return [];
    return Object.values(type.getFields()).filter((f) => needsRule(f)).map((f) => `${type.name}.${f.name}`);
  });
}

/** A field nobody classified yet: masked for analysts; JSON keeps its shape with every string masked. */
function unclassified(field: GraphQLField<unknown, unknown>): 'personal' | 'unclassifiedJson' {
  return getNamedType(field.type).name.startsWith('JSON') ? 'unclassifiedJson' : 'personal';
}

function maskStrings(value: unknown): unknown {
  if (typeof value === 'string') return maskValue(value);
  if (Array.isArray(value)) return value.map(maskStrings);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskStrings(v)]));
}

function needsRule(field: GraphQLField<unknown, unknown>): boolean {
  const named = getNamedType(field.type);
  return isScalarType(named) && !SAFE_SCALARS.has(named.name) && !isEnumType(named);
}

export interface AnalystMasking {
  policy: PersonalDataPolicy;
  /**
   * Key of the pseudonyms and sealed cursors. Instances that serve the same clients share it, so
   * a cursor from one works on another; unset, each process draws its own.
   */
  secret?: string;
}

/**
 * Wraps every field resolver of the schema (in place) so analysts read through the rules above.
 * Other callers pay one check per field.
 */
export function applyAnalystMasking(schema: GraphQLSchema, options: AnalystMasking): GraphQLSchema {
  // Twice would pseudonymise pseudonyms and seal sealed cursors.
  if (masked.has(schema)) throw new Error('analyst masking is already applied to this schema');
  masked.add(schema);
  const codec = cursorCodec(options.secret ?? randomBytes(32).toString('base64url'));
  const maskers: Record<FieldRule | 'unclassifiedJson', (value: unknown) => unknown> = {
    public: (v) => v,
    personal: (v) => each(v, maskValue),
    text: (v) => each(v, maskValue),
    json: (v) => options.policy.mask(v),
    pseudonym: (v) => each(v, (x) => (typeof x === 'string' ? codec.pseudonym(x) : x)),
    sealedCursor: (v) => each(v, (x) => (typeof x === 'string' ? codec.seal(x) : x)),
    unclassifiedJson: maskStrings,
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const name = `${type.name}.${field.name}`;
      const rule = needsRule(field) ? ANALYST_FIELD_RULES[name] ?? unclassified(field) : 'public';
      const masker = maskers[rule];
      const checkArgs = argumentCheck(field.args, options.policy, SEALED_CURSOR_ARGS[name], codec);
      const resolve: GraphQLFieldResolver<unknown, GraphQLContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (root, args, context, info) => {
        if (!mustMask(context?.viewer ?? null)) return resolve(root, args, context, info);
        const result = resolve(root, checkArgs(args), context, info);
        return isPromise(result) ? result.then(masker) : masker(result);
      };
      const subscribe = field.subscribe as GraphQLFieldResolver<unknown, GraphQLContext> | undefined;
      if (subscribe) {
        field.subscribe = (root, args, context, info) => subscribe(root, mustMask(context?.viewer ?? null) ? checkArgs(args) : args, context, info);
      }
    }
  }
  return schema;
}

/** Refuses analysts' filters on personal or free-text input fields; unseals a sealed cursor argument. */
function argumentCheck(definitions: readonly GraphQLArgument[], policy: PersonalDataPolicy, sealedArg: string | undefined, codec: CursorCodec) {
  const refuse = (path: string) => new GraphQLError(`forbidden: the analyst role may not filter by ${path}`, { extensions: { code: 'FORBIDDEN', argumentName: path } });
  const check = (type: GraphQLInputType, value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    if (isNonNullType(type)) return check(type.ofType, value, path);
    if (isListType(type)) { if (Array.isArray(value)) value.forEach((v) => check(type.ofType, v, path)); return; }
    if (!isInputObjectType(type)) return;
    for (const [key, field] of Object.entries(type.getFields())) {
      const v = (value as Record<string, unknown>)[key];
      if (v === null || v === undefined) continue;
      if (policy.isPersonalKey(key) || policy.isFreeTextKey(key)) throw refuse(`${path}.${key}`);
      check(field.type, v, `${path}.${key}`);
    }
  };
  return (args: Record<string, unknown>): Record<string, unknown> => {
    for (const definition of definitions) {
      if (policy.isPersonalKey(definition.name) && args[definition.name] !== null && args[definition.name] !== undefined) throw refuse(definition.name);
      check(definition.type, args[definition.name], definition.name);
    }
    if (!sealedArg || typeof args[sealedArg] !== 'string') return args;
    const opened = codec.unseal(args[sealedArg] as string);
    if (opened === null) throw badInput(`${sealedArg} is not a cursor this API returned`, sealedArg);
    return { ...args, [sealedArg]: opened };
  };
}

interface CursorCodec {
  pseudonym(value: string): string;
  seal(cursor: string): string;
  unseal(sealed: string): string | null;
}

/** Keyed hash for pseudonyms; AES-256-GCM for cursors (authenticated: a forged cursor does not open). */
function cursorCodec(secret: string): CursorCodec {
  const macKey = createHash('sha256').update(`pseudonym:${secret}`).digest();
  const sealKey = createHash('sha256').update(`cursor:${secret}`).digest();
  return {
    pseudonym: (value) => `anon-${createHmac('sha256', macKey).update(value).digest('base64url').slice(0, 22)}`,
    seal: (cursor) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
      const body = Buffer.concat([cipher.update(cursor, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    unseal: (sealed) => {
      try {
        const bytes = Buffer.from(sealed, 'base64url');
        if (bytes.length < 29) return null;
        const decipher = createDecipheriv('aes-256-gcm', sealKey, bytes.subarray(0, 12));
        decipher.setAuthTag(bytes.subarray(12, 28));
        return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}

const each = (value: unknown, mask: (v: unknown) => unknown): unknown => (Array.isArray(value) ? value.map(mask) : mask(value));
const isPromise = (value: unknown): value is Promise<unknown> => !!value && typeof (value as Promise<unknown>).then === 'function';

