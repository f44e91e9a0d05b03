import { failSpan, remoteContext, SpanKind, startSpan, tracingEnabled, traceparentOf } from '../../tracing/tracing';
import { HttpCallError, postJson, type HttpResponse } from './http-call';

/** A participant's answer, and the trace context the request carried (what its reply continues). */
export interface TracedResponse extends HttpResponse {
  traceparent?: string;
}

/**
 * One POST to a participant as an HTTP CLIENT span (tracing on), a child of the span the
 * command's `traceparent` header names (the saga step that sent it). The request carries the
 * client span's own `traceparent`, so the participant's server span hangs under it. One span per
 * attempt, as the HTTP semantic conventions count physical requests (`http.request.resend_count`).
 * Tracing off, the command's `traceparent` is passed through unchanged.
 */
export async function postJsonTraced(url: string, body: string, headers: Record<string, string>, timeoutMs: number, resendCount = 0): Promise<TracedResponse> {
  if (!tracingEnabled()) return { ...(await postJson(url, body, headers, timeoutMs)), traceparent: headers.traceparent };
  const target = new URL(url);
  const span = startSpan(`POST ${target.pathname}`, remoteContext(headers.traceparent), {
    'http.request.method': 'POST',
    'url.full': target.href,
    'url.template': target.pathname,
    'server.address': target.hostname,
    'server.port': Number(target.port || (target.protocol === 'https:' ? 443 : 80)),
    ...(resendCount > 0 ? { 'http.request.resend_count': resendCount } : {}),
  }, SpanKind.CLIENT);
  const traceparent = traceparentOf(span);
  try {
    const response = await postJson(url, body, { ...headers, traceparent }, timeoutMs);
    span.setAttribute('http.response.status_code', response.status);
    return { ...response, traceparent };
  } catch (error) {
    const status = error instanceof HttpCallError ? error.status : undefined;
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    // The status code when there was an answer, else what went wrong (semantic conventions' error.type).
    span.setAttribute('error.type', status !== undefined ? String(status) : errorType(error));
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

function errorType(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  return message.startsWith('timed out') ? 'timeout' : error instanceof HttpCallError ? 'network_error' : (error as Error)?.name ?? 'unknown';
}
