import { context, propagation, trace } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { configureRecorder, InMemoryEmitter, XRayPropagator, XRaySpanProcessor } from '../../src/index';
import type { SegmentDocument, Subsegment } from '../../src/index';
import { assertValidDocument } from '../helpers/assert-document';
import { captureProblems } from '../helpers/capture-problems';

/** A global OTel setup (as the preload makes it) sending to an in-memory emitter; the recorder logs to `logged`. */
export function recorderSetup() {
  const emitter = new InMemoryEmitter();
  const { problems } = captureProblems();
  const processor = new XRaySpanProcessor({ emitter, problems, env: {} });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders' }),
    idGenerator: new AWSXRayIdGenerator(),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [processor],
  });
  const logged: string[] = [];
  const logger: DiagLogger = {
    error: (m) => logged.push(`error: ${m}`),
    warn: (m) => logged.push(`warn: ${m}`),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  return {
    emitter,
    processor,
    logged,
    install(): void {
      trace.disable();
      context.disable();
      propagation.disable();
      provider.register({ propagator: new XRayPropagator() });
      configureRecorder({ contextMissing: 'LOG_ERROR', logger });
    },
    async uninstall(): Promise<void> {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
    /** Every document sent so far, validated against the schema. */
    async documents(): Promise<SegmentDocument[]> {
      await processor.forceFlush();
      return emitter.documents.map((text) => assertValidDocument(JSON.parse(text)));
    },
  };
}

/** Every entity of the documents (embedded subsegments included), by name. */
export function entitiesByName(documents: readonly SegmentDocument[]): Map<string, Subsegment[]> {
  const byName = new Map<string, Subsegment[]>();
  const visit = (entity: Subsegment): void => {
    byName.set(entity.name, [...(byName.get(entity.name) ?? []), entity]);
    for (const child of entity.subsegments ?? []) visit(child);
  };
  for (const document of documents) visit(document as Subsegment);
  return byName;
}
