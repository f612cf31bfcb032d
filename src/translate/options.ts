import { ProblemCounter } from '../diag';
import { compileWildcard } from '../naming/wildcard';
import { ownCodePaths } from '../own-code';
import { secretQueryParams } from '../redact-query';
import type { QueryParamFilter } from '../redact-query';

/** How spans are translated. Every field is optional; the defaults are given with each. */
export interface TranslateOptions {
  /**
   * Attribute keys whose values become annotations (indexed, searchable with filter expressions). A span can add
   * keys of its own with the string-array attribute `aws.xray.annotations`. Resource attributes are named
   * `otel.resource.<key>` here. Default: none.
   */
  indexedAttributes?: readonly string[];
  /** Make every primitive span attribute an annotation (up to 50 per document). Default false. */
  indexAllAttributes?: boolean;
  /**
   * Keep `.` in annotation keys. X-Ray filter expressions accept letters, digits and `_` in keys, so by default
   * every other character becomes `_` (`http.route` → `http_route`). Default false.
   */
  allowDotInAnnotationKeys?: boolean;
  /**
   * Record SQL query text as `sql.sanitized_query` (and query text of other databases as metadata). Statements
   * can carry values inlined by the application, so this is off unless asked for. Default false.
   */
  recordSql?: boolean;
  /** Copy the resource's other attributes into segment metadata as `otel.resource.<key>`. Default false. */
  resourceAttributesInMetadata?: boolean;
  /** CloudWatch log groups to link from segments when the resource names none. Default: none. */
  logGroupNames?: readonly string[];
  /** A fixed name for every segment, instead of the resource's `service.name`. Default: none. */
  segmentName?: string;
  /**
   * Dynamic naming: a request segment is named after its Host (port removed) when the host matches this pattern
   * (`*` any characters, `?` one, case-insensitive), else after the fixed name. Default: none.
   */
  dynamicNaming?: string;
  /** Copy the url, method and status of request segments into annotations (http_url, http_method, http_status). Default false. */
  urlsAsAnnotations?: boolean;
  /**
   * Query parameters whose values are never recorded, in addition to the built-in secret names (`password`,
   * `token`, `api_key`, `signature`, `X-Amz-Credential`, `code` … and any name containing password, secret,
   * token, apikey, signature or credential). Compared without case, `-` or `_`. Env
   * `AWS_XRAY_REDACTED_QUERY_PARAMS` (comma-separated) adds to these. Default: none.
   */
  redactedQueryParams?: readonly string[];
  /** Written as `cause.working_directory` on documents that carry a cause. Default: process.cwd(); null omits it. */
  workingDirectory?: string | null;
  /**
   * Stack frames whose file path starts with one of these are left out of `cause` stacks (and counted in
   * `truncated`). Default: otel-xray's own files (its bundle holds the OTel SDK and instrumentations), whose
   * frames sit between the user's and are never the user's bug. `[]` keeps every frame.
   */
  hiddenFramePaths?: readonly string[];
  /**
   * AWS Lambda mode: Lambda records the function's segment, so nothing here is a segment. Work under Lambda's
   * trace header becomes subsegments of Lambda's function segment (the handler's span, named after the function,
   * with the invocation's `aws` block), and a span with no parent is left out. The preload and start() set it in
   * Lambda. Default false.
   */
  lambda?: boolean;
  /** Where problems with the input are counted and warned about (once per kind). Default: a shared counter. */
  problems?: ProblemCounter;
}

/** TranslateOptions with every default applied, frozen. Built once per translator, never per span. */
export interface ResolvedTranslateOptions {
  readonly indexedAttributes: ReadonlySet<string>;
  readonly indexAllAttributes: boolean;
  readonly allowDotInAnnotationKeys: boolean;
  readonly recordSql: boolean;
  readonly resourceAttributesInMetadata: boolean;
  readonly logGroupNames: readonly string[];
  readonly segmentName: string | undefined;
  readonly dynamicNaming: ((host: string) => boolean) | undefined;
  readonly urlsAsAnnotations: boolean;
  readonly isSecretQueryParam: QueryParamFilter;
  readonly workingDirectory: string | undefined;
  readonly hiddenFramePaths: readonly string[];
  readonly lambda: boolean;
  readonly problems: ProblemCounter;
}

let sharedProblems: ProblemCounter | undefined;

/** The counter used when the caller gives none (the functional `toSegmentDocuments` API). */
export function sharedProblemCounter(): ProblemCounter {
  sharedProblems ??= new ProblemCounter();
  return sharedProblems;
}

function currentDirectory(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined; // the directory was removed under us
  }
}

export function resolveTranslateOptions(options: TranslateOptions = {}): ResolvedTranslateOptions {
  const indexed = Array.isArray(options.indexedAttributes)
    ? options.indexedAttributes.filter((key): key is string => typeof key === 'string')
    : [];
  return Object.freeze({
    indexedAttributes: new Set(indexed),
    indexAllAttributes: options.indexAllAttributes === true,
    allowDotInAnnotationKeys: options.allowDotInAnnotationKeys === true,
    recordSql: options.recordSql === true,
    resourceAttributesInMetadata: options.resourceAttributesInMetadata === true,
    logGroupNames: Object.freeze(
      Array.isArray(options.logGroupNames) ? options.logGroupNames.filter((n) => typeof n === 'string' && n !== '') : [],
    ),
    segmentName: typeof options.segmentName === 'string' && options.segmentName !== '' ? options.segmentName : undefined,
    dynamicNaming:
      typeof options.dynamicNaming === 'string' && options.dynamicNaming !== '' ? compileWildcard(options.dynamicNaming) : undefined,
    urlsAsAnnotations: options.urlsAsAnnotations === true,
    isSecretQueryParam: secretQueryParams(
      Array.isArray(options.redactedQueryParams) ? options.redactedQueryParams.filter((n): n is string => typeof n === 'string') : [],
    ),
    workingDirectory:
      options.workingDirectory === null
        ? undefined
        : typeof options.workingDirectory === 'string'
          ? options.workingDirectory
          : currentDirectory(),
    hiddenFramePaths: Array.isArray(options.hiddenFramePaths)
      ? Object.freeze(options.hiddenFramePaths.filter((p): p is string => typeof p === 'string' && p !== ''))
      : ownCodePaths(),
    lambda: options.lambda === true,
    problems: options.problems ?? sharedProblemCounter(),
  });
}
