import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../attribute-keys';
import { LIMITS } from '../limits';
import { readStringList } from '../attributes/read';
import type { AnnotationValue, JsonValue } from './segment-document';
import type { ResolvedTranslateOptions } from './options';
import type { ResourceInfo } from './resource-info';
import { KIND, KIND_OF_KEY } from './attribute-kinds';
import { toAnnotationKey, toAnnotationValue } from './annotations';
import { toJsonValue } from './json-value';

/** Where annotations and metadata are written: a segment or subsegment under construction. */
export interface XRayAttributes {
  annotations?: Record<string, AnnotationValue>;
  metadata?: Record<string, Record<string, JsonValue>>;
}

/**
 * Splits the span's attributes into annotations (indexed: listed in options or in the span's
 * `aws.xray.annotations`, at most 50 per document) and metadata (everything else, under `default`, or under the
 * namespace named by an `aws.xray.metadata.<namespace>` attribute holding a JSON object). `carried` is the set of
 * KIND flags whose keys a block already carries; those keys are annotated only when listed and never repeated
 * as metadata. `resource` is given for segments only. The blocks are written into `target`.
 */
export function splitXRayAttributes(
  target: XRayAttributes,
  attrs: Attributes,
  carried: number,
  options: ResolvedTranslateOptions,
  resource: ResourceInfo | undefined,
): void {
  let annotations: Record<string, AnnotationValue> | undefined;
  let count = 0;
  let metadata: Record<string, Record<string, JsonValue>> | undefined;
  const defaultNamespace = (): Record<string, JsonValue> => ((metadata ??= {}).default ??= {});

  if (resource !== undefined) {
    for (const [key, value] of resource.annotations) {
      if (count < LIMITS.annotationsPerDocument) {
        (annotations ??= {})[key] = value;
        count++;
      }
    }
    for (const [key, value] of resource.metadata) defaultNamespace()[key] = value;
  }

  const listed = attrs[ATTR.XRAY_ANNOTATIONS];
  const spanIndexed = listed === undefined ? undefined : new Set(readStringList(listed));
  const { indexedAttributes, indexAllAttributes, recordSql, problems } = options;

  for (const key in attrs) {
    const value = attrs[key];
    if (value === undefined || value === null) continue;
    const kind = KIND_OF_KEY.get(key) ?? 0;
    // Query text is recorded only when asked for: not as an annotation, not as metadata.
    if (kind === KIND.DB_QUERY && !recordSql && (carried & KIND.DB_QUERY) === 0) continue;
    const isCarried = (kind & carried) !== 0;
    if (indexedAttributes.has(key) || spanIndexed?.has(key) === true || (indexAllAttributes && !isCarried && kind !== KIND.XRAY)) {
      const annotation = toAnnotationValue(value);
      if (annotation !== undefined) {
        if (count < LIMITS.annotationsPerDocument) {
          (annotations ??= {})[toAnnotationKey(key, options.allowDotInAnnotationKeys)] = annotation;
          count++;
          continue;
        }
        problems.report(
          'annotation-limit',
          `more than ${LIMITS.annotationsPerDocument} annotations on one document; the rest are written as metadata`,
        );
      }
    }
    if (isCarried || kind === KIND.XRAY) continue;
    if (key.startsWith(ATTR.XRAY_METADATA_PREFIX)) {
      addMetadataNamespace(key, value, defaultNamespace, () => (metadata ??= {}), options);
      continue;
    }
    const json = toJsonValue(value, problems);
    if (json !== undefined) defaultNamespace()[key] = json;
  }

  if (annotations !== undefined) target.annotations = annotations;
  if (metadata !== undefined) target.metadata = metadata;
}

/** `aws.xray.metadata.<ns>` = a JSON object string → metadata namespace `<ns>` (`default` merges). */
function addMetadataNamespace(
  key: string,
  value: unknown,
  defaultNamespace: () => Record<string, JsonValue>,
  allMetadata: () => Record<string, Record<string, JsonValue>>,
  options: ResolvedTranslateOptions,
): void {
  const namespace = key.substring(ATTR.XRAY_METADATA_PREFIX.length);
  let parsed: unknown;
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
  }
  const object = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? toJsonValue(parsed, options.problems) : undefined;
  if (object === undefined || object === null || typeof object !== 'object' || Array.isArray(object) || namespace === '') {
    const json = toJsonValue(value, options.problems);
    if (json !== undefined) defaultNamespace()[key] = json;
    return;
  }
  if (namespace.toLowerCase() === 'default') {
    Object.assign(defaultNamespace(), object);
  } else if (namespace.startsWith('AWS.')) {
    options.problems.report('reserved-metadata-namespace', `metadata namespace "${namespace}" is reserved for AWS; kept under default`);
    defaultNamespace()[key] = object;
  } else {
    const all = allMetadata();
    all[namespace] = Object.assign(all[namespace] ?? {}, object);
  }
}
