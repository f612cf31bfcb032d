import { trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';

/**
 * Says so when the app registers a tracer provider over otel-xray's (NodeSDK's `start()` under the preload, say).
 * OpenTelemetry keeps the first global provider and tells nobody (its own diag logger is silent by default),
 * while the app's instrumentations still run with its provider: requests are then traced twice, or not where
 * the user expects. Wraps `trace.setGlobalTracerProvider` of the app's OTel API (a peer dependency: one copy)
 * for as long as otel-xray runs; returns the function that restores it.
 */
export function warnOnOtherTracerProvider(ours: TracerProvider, warn: (message: string) => void): () => void {
  const api = trace as unknown as { setGlobalTracerProvider: (provider: TracerProvider) => boolean };
  const original = api.setGlobalTracerProvider;
  let warned = false;
  const guarded = function setGlobalTracerProvider(this: unknown, provider: TracerProvider): boolean {
    if (provider !== ours && !warned) {
      warned = true;
      warn(
        'another tracer provider is being registered while otel-xray runs (NodeSDK.start() under the preload?): OpenTelemetry keeps the first one, and requests may be traced twice; use either the preload or otel-xray\'s parts in your own SDK',
      );
    }
    return original.call(this, provider);
  };
  api.setGlobalTracerProvider = guarded;
  return () => {
    if (api.setGlobalTracerProvider === guarded) api.setGlobalTracerProvider = original;
  };
}
