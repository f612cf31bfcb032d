import type { SegmentDocument, Subsegment } from '../../src/index';

/** Every entity id in the documents, embedded subsegments included. */
export function collectIds(documents: readonly SegmentDocument[]): Set<string> {
  const ids = new Set<string>();
  const visit = (entity: { id: string; subsegments?: Subsegment[] }): void => {
    ids.add(entity.id);
    for (const child of entity.subsegments ?? []) visit(child);
  };
  for (const doc of documents) visit(doc);
  return ids;
}
