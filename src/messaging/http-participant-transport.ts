import CircuitBreaker from 'opossum';
import type { ServiceDirectory } from '../discovery';
import type { Logger } from '../logger';
import { HttpCallError, withRetries } from './http/http-call';
import { postJsonTraced, type TracedResponse } from './http/traced-post';
import { HttpRouteError, instanceUrl, serviceOf, validateHttpRoute, type HttpRoutableCommands, type HttpRoute, type HttpRoutes } from './http/routes';
import type { BatchHandler, MessageTransport, OutgoingMessage, PublishReceipt, SubscribeOptions, Subscription } from '../runtime/ports';

export interface HttpBreakerOptions {
  /** Failure percentage in the rolling window at which the breaker opens (default 50). */
  errorThresholdPercentage?: number;
  /** How long it stays open before letting one trial call through (half-open), ms (default 30000). */
  resetTimeout?: number;
  /** Attempts in the rolling window before it may open at all (default 5). */
  volumeThreshold?: number;
  /** Length of the rolling statistics window, ms (default 10000). */
  rollingCountTimeout?: number;
}

export interface HttpParticipantTransportOptions {
  /** The real transport (Kafka, possibly prefixed): unrouted messages and every HTTP reply go there. */
  inner: MessageTransport;
  /** Command topic (contract name) -> participant URL. */
  routes: HttpRoutes;
  /** The command topics the registered sagas allow over HTTP, with their reply topics. */
  commands: HttpRoutableCommands;
  /** The topic an eventType travels on (the registered sagas' contracts), to place a reply. */
  topicOf(eventType: string): string | undefined;
  logger: Logger;
  /** Defaults for routes that do not set their own. */
  timeoutMs?: number;
  retries?: number;
  /** Retry back-off: initial delay, doubled per retry, capped (with +-25% jitter). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  breaker?: HttpBreakerOptions;
  /** HTTP calls in flight at once within one publish() (calls for the same key stay sequential). */
  concurrency?: number;
  /** Resolves `lb://<service>/path` routes (Eureka, static addresses); required when a route names a service. */
  services?: ServiceDirectory;
}

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface RouteHealth {
  topic: string;
  url: string;
  state: BreakerState;
  /** Commands that could not be delivered (retries exhausted, 4xx or breaker open) since start. */
  failures: number;
}

interface Route {
  topic: string;
  url: string;
  timeoutMs: number;
  retries: number;
  /** Fires one attempt: body, headers, and how many attempts came before it. */
  breaker: CircuitBreaker<[string, Record<string, string>, number], TracedResponse>;
  failures: number;
}

/** Receipt of a command delivered over HTTP: it has no broker position (the outbox stores -1/-1). */
const NO_POSITION = { partition: -1, offset: '-1' } as const;

/**
 * Sends some participant commands over HTTP (the seed's Feign clients) instead of the broker,
 * as a decorator around the real transport, so the saga core and runtime are unchanged.
 *
 * publish(): a message whose topic has a route is POSTed to the route's URL (body = message value
 * as is, content-type application/json, with a traceparent: the command's, or with tracing on that
 * of the attempt's HTTP CLIENT span, http/traced-post.ts). Each attempt has a timeout;
 * network errors, timeouts, 5xx, 408 and 429 are retried with exponential back-off; other 4xx are
 * definitive. Every attempt goes through one opossum circuit breaker per route; an open breaker
 * fails fast and stops the retries. All other messages go to `inner.publish`.
 *
 * The participant's 2xx response body is its reply (e.g. ProductReserved). It is ALWAYS published
 * to the inner transport (the broker) on the reply's topic, and publish() resolves only after the
 * broker acknowledged it: the outbox relay marks the command row published only once the reply is
 * durable, the orchestrator consumes it like any Kafka participant's reply, and with several
 * instances any of them may process it. The reply topic is EVENT_TYPE_TOPIC[body.eventType] when
 * that is one of this command's reply topics; otherwise (not JSON, no/unknown/foreign eventType)
 * the raw body goes to the command's primary reply topic so the orchestrator's edge validation
 * dead-letters it with the error instead of it vanishing here.
 *
 * A command that finally fails is NOT an error of publish(): throwing would re-publish the whole
 * outbox batch forever. It is logged (warn, with route and eventId), counted per route and
 * dropped; the saga's own step timeout and retry policy re-sends it. Only a failure of the inner
 * transport rejects publish() (the relay then retries the batch; participants drop duplicate
 * eventIds). Note the outbox batch stays locked while its HTTP calls run.
 */
export class HttpParticipantTransport implements MessageTransport {
  private readonly inner: MessageTransport;
  private readonly logger: Logger;
  private readonly routes = new Map<string, Route>();
  private readonly concurrency: number;
  private readonly retry: { initialBackoffMs: number; maxBackoffMs: number };

  constructor(private readonly options: HttpParticipantTransportOptions) {
    this.inner = options.inner;
    this.logger = options.logger.child({ component: 'http-participant-transport' });
    this.concurrency = positiveInt('concurrency', options.concurrency ?? 8);
    this.retry = {
      initialBackoffMs: nonNegativeInt('initialBackoffMs', options.initialBackoffMs ?? 200),
      maxBackoffMs: nonNegativeInt('maxBackoffMs', options.maxBackoffMs ?? 2000),
    };
    const breakerOptions = {
      errorThresholdPercentage: options.breaker?.errorThresholdPercentage ?? 50,
      resetTimeout: positiveInt('breaker.resetTimeout', options.breaker?.resetTimeout ?? 30000),
      volumeThreshold: nonNegativeInt('breaker.volumeThreshold', options.breaker?.volumeThreshold ?? 5),
      rollingCountTimeout: positiveInt('breaker.rollingCountTimeout', options.breaker?.rollingCountTimeout ?? 10000),
    };
    for (const [topic, spec] of Object.entries(options.routes)) {
      validateHttpRoute(topic, spec.url, options.commands);
      this.routes.set(topic, this.buildRoute(topic, spec, options, breakerOptions));
    }
  }

  private buildRoute(topic: string, spec: HttpRoute, options: HttpParticipantTransportOptions, breakerOptions: HttpBreakerOptions): Route {
    const timeoutMs = positiveInt(`${topic}.timeoutMs`, spec.timeoutMs ?? options.timeoutMs ?? 5000);
    const retries = nonNegativeInt(`${topic}.retries`, spec.retries ?? options.retries ?? 2);
    const service = serviceOf(spec.url);
    const services = options.services;
    if (service && !services) throw new HttpRouteError(`'${topic}': ${spec.url} names a service, but no service discovery is configured`);
    // One breaker per route, whichever instance answers: it guards the route, not an instance.
    const breaker = new CircuitBreaker(
      (body: string, headers: Record<string, string>, resendCount: number) => (service
        ? postToService(services!, service, spec.url, body, headers, timeoutMs, resendCount)
        : postJsonTraced(spec.url, body, headers, timeoutMs, resendCount)),
      {
        ...breakerOptions,
        name: topic,
        // The per-attempt timeout is the fetch's own abort signal, which really cancels the request.
        timeout: false,
        // A definitive 4xx means the participant is up: it must not open the breaker.
        errorFilter: (error: unknown) => error instanceof HttpCallError && error.status !== undefined && !error.retryable,
      },
    );
    const log = this.logger.child({ topic, url: spec.url });
    breaker.on('open', () => log.warn('participant circuit breaker opened'));
    breaker.on('halfOpen', () => log.info('participant circuit breaker half-open: next call is a trial'));
    breaker.on('close', () => log.info('participant circuit breaker closed'));
    return { topic, url: spec.url, timeoutMs, retries, breaker, failures: 0 };
  }

  /** Breaker state and delivery failures per route, for GET /ready or metrics. */
  routesHealth(): RouteHealth[] {
    return [...this.routes.values()].map((r) => ({ topic: r.topic, url: r.url, state: breakerState(r.breaker), failures: r.failures }));
  }

  async publish(messages: OutgoingMessage[]): Promise<PublishReceipt[]> {
    const receipts: PublishReceipt[] = new Array(messages.length);
    const direct: number[] = [];
    const routed: number[] = [];
    messages.forEach((m, i) => (this.routes.has(m.topic) ? routed : direct).push(i));

    const toBroker = async () => {
      if (direct.length === 0) return;
      const result = await this.inner.publish(direct.map((i) => messages[i]));
      direct.forEach((index, n) => { receipts[index] = result[n]; });
    };
    const overHttp = async () => {
      if (routed.length === 0) return;
      const replies = await this.callAll(routed.map((i) => messages[i]));
      const toPublish = replies.filter((r): r is OutgoingMessage => r !== undefined);
      if (toPublish.length > 0) await this.inner.publish(toPublish);
      for (const index of routed) receipts[index] = { topic: messages[index].topic, ...NO_POSITION };
    };
    // Unrouted messages are not held back by slow participants.
    const results = await Promise.allSettled([toBroker(), overHttp()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return receipts;
  }

  /** Calls in parallel across keys (up to `concurrency`), in order within a key; replies in input order. */
  private async callAll(messages: OutgoingMessage[]): Promise<(OutgoingMessage | undefined)[]> {
    const replies: (OutgoingMessage | undefined)[] = new Array(messages.length);
    const byKey = new Map<string, number[]>();
    messages.forEach((m, i) => {
      const positions = byKey.get(m.key);
      if (positions) positions.push(i);
      else byKey.set(m.key, [i]);
    });
    const queues = [...byKey.values()];
    const worker = async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const i of queue) replies[i] = await this.call(this.routes.get(messages[i].topic)!, messages[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queues.length) }, worker));
    return replies;
  }

  /** Delivers one command; returns the reply to publish, or undefined when it failed (logged, counted). */
  private async call(route: Route, message: OutgoingMessage): Promise<OutgoingMessage | undefined> {
    const eventId = eventIdOf(message.value);
    const headers: Record<string, string> = {};
    if (message.headers?.traceparent) headers.traceparent = message.headers.traceparent;
    let attempts = 0;
    try {
      const response = await withRetries(
        () => { attempts += 1; return route.breaker.fire(message.value, headers, attempts - 1); },
        { retries: route.retries, ...this.retry },
        (error) => error instanceof HttpCallError && error.retryable,
        (error, n, delayMs) => this.logger.debug({ topic: route.topic, url: route.url, eventId, retry: n, delayMs, error: (error as Error).message }, 'retrying participant call'),
      );
      const replyTopic = this.replyTopic(route, response.body, eventId);
      // The reply continues the trace of the request that got it (its CLIENT span, tracing on).
      const replyHeaders: Record<string, string> = { ...headers, 'x-http-participant': route.url };
      if (response.traceparent) replyHeaders.traceparent = response.traceparent;
      return { topic: replyTopic, key: message.key, value: response.body, headers: replyHeaders };
    } catch (error) {
      route.failures += 1;
      const code = (error as { code?: string }).code;
      this.logger.warn(
        {
          topic: route.topic, url: route.url, eventId, attempts, breaker: breakerState(route.breaker),
          error: code === 'EOPENBREAKER' ? 'circuit breaker is open' : (error as Error).message,
        },
        'participant HTTP call failed; the saga step timeout will re-send the command',
      );
      return undefined;
    }
  }

  private replyTopic(route: Route, body: string, eventId: string | undefined): string {
    const allowed = this.options.commands[route.topic];
    let eventType: unknown;
    try {
      eventType = (JSON.parse(body) as { eventType?: unknown } | null)?.eventType;
    } catch {
      eventType = undefined;
    }
    const topic = typeof eventType === 'string' ? this.options.topicOf(eventType) : undefined;
    if (topic && allowed.includes(topic)) return topic;
    this.logger.warn(
      { topic: route.topic, url: route.url, eventId, eventType, replyTopic: allowed[0] },
      'participant reply is not a known reply of this command; publishing it as is for validation to dead-letter',
    );
    return allowed[0];
  }

  subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    return this.inner.subscribe(options, handler);
  }

  ensureTopics(topics: string[]): Promise<void> {
    return this.inner.ensureTopics(topics);
  }

  /** The broker's health only: an open breaker degrades one participant, see routesHealth(). */
  isHealthy(): Promise<boolean> {
    return this.inner.isHealthy();
  }

  async committedOffsets(groupId: string, topics: string[]): Promise<Map<string, bigint>> {
    return this.inner.committedOffsets ? this.inner.committedOffsets(groupId, topics) : new Map();
  }

  async close(): Promise<void> {
    for (const route of this.routes.values()) route.breaker.shutdown();
    await this.inner.close();
  }
}

/** One attempt on the next instance of `service`; an instance that cannot be reached is reported, so the next attempt goes elsewhere. */
async function postToService(
  services: ServiceDirectory, service: string, routeUrl: string, body: string, headers: Record<string, string>, timeoutMs: number, resendCount: number,
): Promise<TracedResponse> {
  const instance = await services.pick(service);
  if (!instance) throw new HttpCallError(`no UP instance of service '${service}' is known`, true);
  try {
    return await postJsonTraced(instanceUrl(routeUrl, instance.baseUrl), body, headers, timeoutMs, resendCount);
  } catch (error) {
    if (error instanceof HttpCallError && error.status === undefined) services.reportFailure(service, instance);
    throw error;
  }
}

function breakerState(breaker: { readonly halfOpen: boolean; readonly opened: boolean }): BreakerState {
  if (breaker.halfOpen) return 'halfOpen';
  return breaker.opened ? 'open' : 'closed';
}

function eventIdOf(value: string): string | undefined {
  try {
    const id = (JSON.parse(value) as { eventId?: unknown } | null)?.eventId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new HttpRouteError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new HttpRouteError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
