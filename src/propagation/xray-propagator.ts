import { createContextKey, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter, TraceState } from '@opentelemetry/api';
import { TraceState as CoreTraceState } from '@opentelemetry/core';
import { newXRayTraceIdHex, randomHexId } from '../translate/ids';
import { readTraceHeaderFields, spanIdOfParent, traceIdOfRoot } from './header-fields';
import { isRuleHash, RULE_KEY } from '../sampling/rule-hash';

export const TRACE_HEADER = 'x-amzn-trace-id';

/** What an incoming header left open: set on the context by extract(), read by the sampler. */
export interface UpstreamRequest {
  /** The span context this header produced: the note applies only while it is still the parent. */
  readonly traceId: string;
  readonly spanId: string;
  /** The header had a Root but no Parent (load balancers send this): the segment has no parent_id. */
  readonly noParent: boolean;
  /** The header had `Sampled=?` (or no Sampled): the caller asks us to decide. */
  readonly decide: boolean;
}

export const UPSTREAM_REQUEST_KEY = createContextKey('otel-xray upstream request');

/** The trace id of a real Root that came with `Sampled=0`: the response header answers with it. */
export const CALLER_ROOT_KEY = createContextKey('otel-xray caller root');

const MAX_HEADER_LENGTH = 1024;

/**
 * The X-Ray trace header propagator (`X-Amzn-Trace-Id: Root=…;Parent=…;Sampled=…`). Unlike the stock one it
 * continues the trace of a header that carries only `Root` (as load balancers send it) or `Sampled=?` / no
 * Sampled (as callers that want a decision send it): the trace id is kept, and the sampler is told to decide
 * through the context. `Sampled=0` is honoured whatever the ids are (see notSampled). Keys are matched
 * case-insensitively, values are checked, and other fields are ignored.
 */
export class XRayPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined || !isSpanContextValid(spanContext)) return;
    const traceId = spanContext.traceId;
    const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '1' : '0';
    // Adaptive sampling: the root's rule travels with the trace, so downstream anomalies count toward it.
    const rule = spanContext.traceState?.get(RULE_KEY);
    const extra = isRuleHash(rule) ? `;${RULE_KEY}=${rule}` : '';
    setter.set(carrier, TRACE_HEADER, `Root=1-${traceId.substring(0, 8)}-${traceId.substring(8)};Parent=${spanContext.spanId};Sampled=${sampled}${extra}`);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = readHeader(carrier, getter);
    if (header === undefined) return context;
    const { root, parent, sampled, xrsr } = readTraceHeaderFields(header);
    const traceId = traceIdOfRoot(root); // undefined for the X-Ray SDKs' no-op id too
    const parentId = spanIdOfParent(parent);
    const traceState = ruleTraceState(xrsr ?? ruleFromW3C(carrier, getter));
    if (sampled === '0') return notSampled(context, traceId, parentId, traceState);
    if (traceId === undefined) return context;
    const decided = sampled === '1';
    const spanContext = {
      traceId,
      // Without a Parent the span still needs one to carry the trace id; the sampler marks the segment as having none.
      spanId: parentId ?? randomHexId(),
      traceFlags: sampled === '1' ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: true,
      ...(traceState === undefined ? {} : { traceState }),
    };
    let out = trace.setSpanContext(context, spanContext);
    if (parentId === undefined || !decided) {
      const upstream: UpstreamRequest = { traceId, spanId: spanContext.spanId, noParent: parentId === undefined, decide: !decided };
      out = out.setValue(UPSTREAM_REQUEST_KEY, upstream);
    }
    return out;
  }

  fields(): string[] {
    return [TRACE_HEADER];
  }
}

/**
 * `Sampled=0` is final whatever the ids are: an X-Ray SDK that decides not to sample sends its no-op ids
 * (`Root=1-00000000-…;Parent=0000000000000000;Sampled=0`), and both X-Ray SDKs honour the decision. The request
 * continues as not sampled; ids the caller did not really give (all zeros, malformed, absent) are made fresh so
 * the span context is valid and the parent-based sampler sees the decision. A real Root is kept, and noted so
 * the response header can answer with it.
 */
function notSampled(context: Context, traceId: string | undefined, parentId: string | undefined, traceState: TraceState | undefined): Context {
  const spanContext = {
    traceId: traceId ?? newXRayTraceIdHex(Date.now()), spanId: parentId ?? randomHexId(), traceFlags: TraceFlags.NONE, isRemote: true,
    ...(traceState === undefined ? {} : { traceState }),
  };
  const out = trace.setSpanContext(context, spanContext);
  return traceId === undefined ? out : out.setValue(CALLER_ROOT_KEY, traceId);
}

/**
 * The root's rule as the AWS distros carry it (W3C `tracestate`, else `baggage`), for a caller on one of them that
 * sends the X-Ray header too.
 */
function ruleFromW3C(carrier: unknown, getter: TextMapGetter): string | undefined {
  for (const name of ['tracestate', 'baggage']) {
    let value = getter.get(carrier, name);
    if (Array.isArray(value)) value = value.join(',');
    if (typeof value !== 'string' || value.length > 8192) continue;
    for (const member of value.split(',')) {
      const equals = member.indexOf('=');
      if (equals !== -1 && member.substring(0, equals).trim() === RULE_KEY) return member.substring(equals + 1).split(';')[0]?.trim();
    }
  }
  return undefined;
}

function ruleTraceState(rule: string | undefined): TraceState | undefined {
  return isRuleHash(rule) ? new CoreTraceState().set(RULE_KEY, rule) : undefined;
}

function readHeader(carrier: unknown, getter: TextMapGetter): string | undefined {
  let value = getter.get(carrier, TRACE_HEADER);
  if (value === undefined) {
    // Carriers other than Node's (lower-cased) headers: look the key up in any case.
    const key = getter.keys(carrier).find((k) => k.toLowerCase() === TRACE_HEADER);
    if (key !== undefined) value = getter.get(carrier, key);
  }
  if (Array.isArray(value)) value = value[0];
  return typeof value === 'string' && value !== '' && value.length <= MAX_HEADER_LENGTH ? value : undefined;
}
