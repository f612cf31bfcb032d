import type { ServerResponse } from 'node:http';
import { context, isSpanContextValid, TraceFlags } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { UndiciInstrumentationConfig } from '@opentelemetry/instrumentation-undici';
import type { XRayConfig } from './config/xray-config';
import { outgoingIgnoreRules } from './ignore/outgoing-rules';
import { ATTR } from './attribute-keys';
import { quoteNames } from './diag';
import { CALLER_ROOT_KEY } from './propagation/xray-propagator';
import { recordFetchResponseSize, recordHttpResponseSize } from './response-size';
import { requestTargetAttributes } from './request-target';
import { lambdaInstrumentationConfig } from './lambda/handler-hooks';
import type { LambdaParentSource } from './lambda/trace-header';
import { handlerWrapperOf, setLambdaHandlerWrapper } from './lambda/wrap-handler';
import { endOnCallback } from './lambda/callback-handlers';
import { PatchedPackages } from './patched-packages';
import { TRIGGER_PACKAGES, WaitingInstrumentations } from './waiting-instrumentations';

/**
 * The instrumentations the preload installs, by the names users give in OTEL_NODE_ENABLED_INSTRUMENTATIONS,
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS and AWS_XRAY_PATCH_MODULES. Each is loaded only if enabled; each patches
 * its library only when the application loads that library.
 */
const FACTORIES: Record<string, (config: XRayConfig, extras: InstrumentationExtras) => Instrumentation> = {
  http: (config) => {
    const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
    return new HttpInstrumentation(httpInstrumentationConfig({ noopId: config.noopId }));
  },
  undici: () => {
    const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
    return new UndiciInstrumentation(fetchInstrumentationConfig());
  },
  express: () => new (require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express')).ExpressInstrumentation(),
  fastify: () => new (require('@fastify/otel') as typeof import('@fastify/otel')).FastifyOtelInstrumentation({ registerOnInitialization: true }) as unknown as Instrumentation,
  koa: () => new (require('@opentelemetry/instrumentation-koa') as typeof import('@opentelemetry/instrumentation-koa')).KoaInstrumentation(),
  connect: () => new (require('@opentelemetry/instrumentation-connect') as typeof import('@opentelemetry/instrumentation-connect')).ConnectInstrumentation(),
  'aws-sdk': () => {
    const { AwsInstrumentation } = require('@opentelemetry/instrumentation-aws-sdk') as typeof import('@opentelemetry/instrumentation-aws-sdk');
    return new AwsInstrumentation({
      suppressInternalInstrumentation: true,
      // The aws block's `retries`: the SDK counts attempts in the response metadata; OTel does not record them.
      responseHook: (span, { response }) => {
        const attempts = (response?.data as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
        if (typeof attempts === 'number' && attempts > 1) span.setAttribute(ATTR.AWS_RETRIES, attempts - 1);
      },
    });
  },
  pg: () => new (require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg')).PgInstrumentation({ enhancedDatabaseReporting: false }),
  mysql2: () => new (require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2')).MySQL2Instrumentation(),
  ioredis: () => new (require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis')).IORedisInstrumentation(),
  mongodb: () => new (require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb')).MongoDBInstrumentation(),
  // Lambda only: wraps the handler named by _HANDLER (the handler's span, flushed before the invocation returns).
  'aws-lambda': (_config, extras) => {
    const { AwsLambdaInstrumentation } = require('@opentelemetry/instrumentation-aws-lambda') as typeof import('@opentelemetry/instrumentation-aws-lambda');
    if (extras.lambdaParents === undefined) throw new Error('the Lambda trace header source is missing');
    const instrumentation = new AwsLambdaInstrumentation(lambdaInstrumentationConfig(extras.lambdaParents));
    endOnCallback(instrumentation);
    if (extras.wrapsHandlersInCode === true) setLambdaHandlerWrapper(handlerWrapperOf(instrumentation));
    return instrumentation;
  },
};

/** What some instrumentations need beyond the configuration. */
export interface InstrumentationExtras {
  /** In Lambda: where each invocation's trace header is read. */
  readonly lambdaParents?: LambdaParentSource;
  /** In Lambda, started in the handler's module: lambdaHandler() wraps handlers in code. */
  readonly wrapsHandlersInCode?: boolean;
}

export const INSTRUMENTATION_NAMES: readonly string[] = Object.freeze(Object.keys(FACTORIES));

/**
 * What the preload gives OTel's http instrumentation, for your own setup:
 * `new HttpInstrumentation(httpInstrumentationConfig())`. Incoming requests then record their path and query as
 * sent and a valid URL whatever the Host header, responses carry `X-Amzn-Trace-Id` as the X-Ray middleware sets
 * it (`noopId: false`: unsampled ones answer with their real Root, as AWS_XRAY_NOOP_ID=false), both directions
 * record the response's Content-Length (`content_length`), and outgoing calls follow the ignore rules.
 */
export function httpInstrumentationConfig(options: { readonly noopId?: boolean } = {}): HttpInstrumentationConfig {
  const noopId = options.noopId !== false;
  return {
    // The path and query as sent, and the local address when the Host header cannot be used in a URL.
    startIncomingSpanHook: (request) => requestTargetAttributes(request),
    // Called as the request starts, with the response not yet sent: the X-Ray middleware's response header.
    responseHook: (span, response) => setTraceHeader(span, response as ServerResponse, noopId),
    // Called as the response ends, incoming and outgoing alike: the response's Content-Length.
    applyCustomAttributesOnSpan: (span, _request, response) => recordHttpResponseSize(span, response),
    ignoreOutgoingRequestHook: (request) => isIgnoredHttpCall(request),
  };
}

/**
 * What the preload gives OTel's fetch (undici) instrumentation: `new UndiciInstrumentation(fetchInstrumentationConfig())`.
 * The response's Content-Length is recorded, and calls follow the ignore rules.
 */
export function fetchInstrumentationConfig(): UndiciInstrumentationConfig {
  return {
    ignoreRequestHook: (request) => isIgnoredFetch(request),
    responseHook: (span, { response }) => recordFetchResponseSize(span, response.headers),
  };
}

/** Accepts `express`, `@opentelemetry/instrumentation-express` and `instrumentation-express` alike. */
function shortName(name: string): string {
  return name.trim().toLowerCase().replace(/^@opentelemetry\//, '').replace(/^instrumentation-/, '').replace(/^@fastify\/otel$/, 'fastify');
}

/** The AWS_XRAY_PATCH_MODULES entries that are not instrumentations: modules for patchModules(). */
export function modulesToPatch(config: XRayConfig): string[] {
  const known = new Set(INSTRUMENTATION_NAMES);
  return config.patchModules.filter((n) => !known.has(shortName(n)));
}

/**
 * Which instrumentations to install: none when auto-instrumentation is off; else the X-Ray patch list or the
 * OTel enabled list when given (otherwise all), less the OTel disabled list. Unknown names are reported.
 */
export function selectInstrumentations(config: XRayConfig, warn: (message: string) => void): string[] {
  if (!config.autoInstrument) return [];
  const known = new Set(INSTRUMENTATION_NAMES);
  const check = (names: readonly string[], source: string): string[] => {
    const short = names.map(shortName);
    const unknown = short.filter((n) => !known.has(n));
    if (unknown.length > 0) warn(`${source} names unknown instrumentations (${quoteNames(unknown)}); known: ${INSTRUMENTATION_NAMES.join(', ')}`);
    return short.filter((n) => known.has(n));
  };
  let selected = [...INSTRUMENTATION_NAMES];
  // AWS_XRAY_PATCH_MODULES names instrumentations and, like the SDK's patch list, local modules or packages
  // (patched by patchModules). Naming no instrumentation leaves all of them on.
  const named = config.patchModules.map(shortName).filter((n) => known.has(n));
  if (named.length > 0) selected = named;
  if (config.enabledInstrumentations.length > 0) {
    const enabled = new Set(check(config.enabledInstrumentations, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS'));
    selected = selected.filter((n) => enabled.has(n));
  }
  const disabled = new Set(check(config.disabledInstrumentations, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS'));
  // The Lambda handler's instrumentation has nothing to do elsewhere.
  if (!config.lambda) disabled.add('aws-lambda');
  return selected.filter((n) => !disabled.has(n));
}

function createOne(name: string, config: XRayConfig, extras: InstrumentationExtras, warn: (message: string) => void): Instrumentation | undefined {
  try {
    return (FACTORIES[name] as (c: XRayConfig, e: InstrumentationExtras) => Instrumentation)(config, extras);
  } catch (err) {
    warn(`the ${name} instrumentation could not be loaded: ${String(err)}`);
    return undefined;
  }
}

/** Registers OTel's ESM loader hook so `import`ed libraries are instrumented. False if Node cannot. */
export function installEsmHook(warn: (message: string) => void): boolean {
  try {
    const { register } = require('node:module') as { register?: (specifier: string, parent: string) => void };
    if (typeof register !== 'function') return false;
    const { pathToFileURL } = require('node:url') as typeof import('node:url');
    // import-in-the-middle's own hook (what '@opentelemetry/instrumentation/hook.mjs' re-exports), so that
    // package, bundled, is not needed at run time. The bare specifier is resolved from this file, that is from
    // our package's folder (node_modules/otel-xray/build/bundle/ when installed): the same import-in-the-middle,
    // our dependency, that the bundled instrumentations load, as the loader and the registry must be one copy.
    register('import-in-the-middle/hook.mjs', pathToFileURL(__filename).href);
    return true;
  } catch (err) {
    warn(`ES module instrumentation could not be installed: ${String(err)}`);
    return false;
  }
}

/**
 * Enables the selected instrumentations for `provider`: at once for http and undici (and for all of them when
 * `eager`, as ES modules are loaded without `require`), else on the first `require` of their library. Returns a
 * function that disables every instrumentation enabled so far.
 */
export function installInstrumentations(
  names: readonly string[],
  config: XRayConfig,
  provider: import('@opentelemetry/api').TracerProvider,
  eager: boolean,
  warn: (message: string) => void,
  extras: InstrumentationExtras = {},
): () => void {
  const Module = require('node:module') as { prototype: { require: (this: { filename?: unknown }, id: string) => unknown } };
  // require() as it is before any instrumentation hooks it: see requireWithInstrumentation below.
  const unhooked = Module.prototype.require;
  const patched = new PatchedPackages();
  const enabled: Instrumentation[] = [];
  const enable = (name: string): void => {
    const instrumentation = createOne(name, config, extras, warn);
    if (instrumentation === undefined) return;
    try {
      instrumentation.setTracerProvider(provider);
      instrumentation.enable();
      enabled.push(instrumentation);
      patched.add(instrumentation);
    } catch (err) {
      // This may run inside the app's own require(): it must not fail that require.
      warn(`the ${name} instrumentation could not be enabled: ${String(err)}`);
      patched.addUnknown();
    }
  };
  const later: string[] = [];
  for (const name of names) {
    if (eager || TRIGGER_PACKAGES[name] === undefined) enable(name);
    else later.push(name);
  }
  const waiting = new WaitingInstrumentations(later);
  // OTel's require hook, if the instrumentations enabled so far added one. A library's require of a package that
  // no enabled instrumentation patches skips it (PatchedPackages says why).
  const hooked = Module.prototype.require;
  const filtering = hooked !== unhooked;
  if (!waiting.empty || filtering) {
    Module.prototype.require = function requireWithInstrumentation(this: { filename?: unknown }, id: string): unknown {
      if (typeof id === 'string') {
        const name = waiting.take(id);
        if (name !== undefined) {
          enable(name);
          // Through the require chain again, so the hook the instrumentation just added sees this module.
          return Module.prototype.require.call(this, id);
        }
        if (filtering && !patched.mayLoad(id, this)) return unhooked.call(this, id);
      }
      return hooked.call(this, id);
    };
  }
  return () => {
    waiting.clear();
    for (const instrumentation of enabled) instrumentation.disable();
  };
}

/** An http.request()/https.request() call that an ignore rule (ignoreOutgoing, AWS_XRAY_IGNORE_OUTGOING) matches. */
function isIgnoredHttpCall(options: { protocol?: string | null; hostname?: string | null; host?: string | null; path?: string | null }): boolean {
  const rules = outgoingIgnoreRules();
  if (rules.size === 0) return false;
  return rules.matches({
    client: options.protocol === 'https:' ? 'https' : 'http',
    hostname: options.hostname ?? options.host ?? 'localhost',
    path: options.path ?? '/',
  });
}

/** A fetch() (undici) request that an ignore rule matches. */
function isIgnoredFetch(request: { origin?: string; path?: string }): boolean {
  const rules = outgoingIgnoreRules();
  if (rules.size === 0) return false;
  let hostname = '';
  try {
    hostname = new URL(request.origin ?? '').hostname;
  } catch {
    // no usable origin: only path and client rules can match
  }
  return rules.matches({ client: 'fetch', hostname, path: request.path ?? '/' });
}

const NOOP_ROOT = 'Root=1-00000000-000000000000000000000000';

/**
 * `X-Amzn-Trace-Id: Root=…;Sampled=…` on the response of every traced request, as the X-Ray middleware sets it.
 * An unsampled request answers with the caller's Root when the caller gave a real one (as the X-Ray SDK for Node
 * does), else with the no-op Root unless AWS_XRAY_NOOP_ID=false. Runs inside the request's context.
 */
function setTraceHeader(span: Span, response: ServerResponse, noopId: boolean): void {
  if (typeof response?.setHeader !== 'function' || response.headersSent) return;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return;
  const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  const useNoop = !sampled && noopId && context.active().getValue(CALLER_ROOT_KEY) !== spanContext.traceId;
  const root = useNoop ? NOOP_ROOT : `Root=1-${spanContext.traceId.substring(0, 8)}-${spanContext.traceId.substring(8)}`;
  response.setHeader('X-Amzn-Trace-Id', `${root};Sampled=${sampled ? 1 : 0}`);
}
