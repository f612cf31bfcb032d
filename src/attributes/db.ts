import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../attribute-keys';
import { readString } from './read';

/** Database attributes, under their stable names first and their old ones second. */

/** `db.system.name`, else `db.system`. */
export function dbSystemOf(attrs: Attributes): string | undefined {
  return readString(attrs[ATTR.DB_SYSTEM_NAME]) ?? readString(attrs[ATTR.DB_SYSTEM]);
}

/** `db.namespace`, else `db.name`. */
export function dbNameOf(attrs: Attributes): string | undefined {
  return readString(attrs[ATTR.DB_NAMESPACE]) ?? readString(attrs[ATTR.DB_NAME]);
}

/** The database host: stable `server.address`, else old `net.peer.name`. */
export function dbHostOf(attrs: Attributes): string | undefined {
  return readString(attrs[ATTR.SERVER_ADDRESS]) ?? readString(attrs[ATTR.NET_PEER_NAME]);
}
