import { setTimeout as sleep } from 'node:timers/promises';

/** One HTTP attempt to a participant, and the retry loop around it. No library state here. */

export class HttpCallError extends Error {
  constructor(
    message: string,
    /** Worth another attempt: network error, timeout, 5xx, 408, 429. */
    readonly retryable: boolean,
    /** HTTP status when the participant answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HttpCallError';
  }
}

export interface HttpResponse {
  status: number;
  body: string;
}

/**
 * POSTs `body` as JSON and reads the whole response within `timeoutMs` (headers and body: the
 * abort signal covers both). Resolves on 2xx; rejects with HttpCallError otherwise.
 */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    text = await response.text();
  } catch (error) {
    throw new HttpCallError(describeFetchError(error, timeoutMs), true);
  }
  if (response.status >= 200 && response.status < 300) return { status: response.status, body: text };
  const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
  const snippet = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  throw new HttpCallError(`HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`, retryable, response.status);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `network error: ${e?.message ?? String(error)}${cause ? ` (${cause})` : ''}`;
}

export interface RetryOptions {
  retries: number;
  /** Delay before the first retry; doubles per retry up to maxBackoffMs, with +-25% jitter. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export function backoffMs(retry: number, options: Pick<RetryOptions, 'initialBackoffMs' | 'maxBackoffMs'>, random = Math.random): number {
  const base = Math.min(options.maxBackoffMs, options.initialBackoffMs * 2 ** retry);
  return Math.round(base * (0.75 + random() * 0.5));
}

/**
 * Runs `attempt` up to 1 + retries times. Stops early when the error is not retryable
 * (`shouldRetry` false), e.g. a 4xx or an open circuit. Rejects with the last error.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions,
  shouldRetry: (error: unknown) => boolean,
  onRetry?: (error: unknown, n: number, delayMs: number) => void,
): Promise<T> {
  for (let n = 0; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= options.retries || !shouldRetry(error)) throw error;
      const delay = backoffMs(n, options);
      onRetry?.(error, n + 1, delay);
      await sleep(delay);
    }
  }
}
