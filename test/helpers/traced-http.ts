import type { Server } from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import type { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { UdpSink } from './udp-sink';

/** Undoes an in-process traced-http setup: instrumentation, servers, provider, OTel globals, the UDP sink. */
export async function stopTracedHttp(parts: {
  instrumentation: HttpInstrumentation;
  servers: Server[];
  provider: NodeTracerProvider;
  sink: UdpSink;
}): Promise<void> {
  parts.instrumentation.disable();
  for (const server of parts.servers) await new Promise((resolve) => server.close(resolve));
  await parts.provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
  await parts.sink.close();
}
