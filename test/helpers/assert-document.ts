import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import type { SegmentDocument } from '../../src/index';

const SCHEMA_PATH = resolve(__dirname, '../../../test/schema/segment-document.schema.json');
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);

/** The largest UDP payload over IPv4, header line included: no datagram may be larger (EMSGSIZE). */
export const MAX_DATAGRAM_BYTES = 65_507;

/**
 * Asserts that a document, once serialized the way the emitter does, is valid against the segment document
 * schema. Returns the parsed copy (what the daemon would receive).
 */
export function assertValidDocument(document: SegmentDocument | unknown): SegmentDocument {
  const text = JSON.stringify(document);
  assert.equal(typeof text, 'string', 'the document must serialize to JSON');
  const parsed = JSON.parse(text) as SegmentDocument;
  if (!validate(parsed)) {
    assert.fail(`invalid segment document: ${ajv.errorsText(validate.errors, { separator: '\n' })}\n${text.slice(0, 2000)}`);
  }
  return parsed;
}

export function assertValidDocuments(documents: readonly unknown[]): SegmentDocument[] {
  return documents.map((d) => assertValidDocument(d));
}
