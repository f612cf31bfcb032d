import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../attribute-keys';
import { withoutCredentials } from '../url-parts';
import { LIMITS, truncate } from '../limits';
import { dbHostOf, dbNameOf, dbSystemOf } from '../attributes/db';
import { readInteger, readString } from '../attributes/read';
import type { SqlBlock } from './segment-document';

/** `db.system` / `db.system.name` values of SQL databases (old and stable names). */
const SQL_SYSTEMS: ReadonlySet<string> = new Set([
  'db2', 'ibm.db2', 'derby', 'hive', 'mariadb', 'mssql', 'microsoft.sql_server', 'mysql', 'oracle', 'oracle.db',
  'postgresql', 'sqlite', 'teradata', 'other_sql', 'cockroachdb', 'h2', 'hsqldb', 'redshift', 'trino', 'spanner',
  'clickhouse', 'firebirdsql', 'sybase', 'informix', 'ingres', 'interbase', 'pervasive', 'pointbase', 'sqlanywhere',
  'vertica', 'netezza', 'progress', 'maxdb', 'hanadb', 'instantdb', 'filemaker', 'cache', 'adabas', 'edb', 'cloudscape',
]);

const PASSWORD_SETTING = /(^|;)\s*(password|pwd)\s*=[^;]*;?/gi;
/** Oracle's thin form `user/password@host:port/service`. */
const ORACLE_USER_PASSWORD = /([^:/@;\s]+)\/[^@;\s]+@/;
const PASSWORD_PARAMETER = /([?&])(password|pwd)=[^&#]*&?/gi;

/**
 * The `sql` block of a SQL database call. `url` holds a URL connection string (credentials removed), or one built
 * from host, port and database; `connection_string` a non-URL one with its password setting removed. The query
 * text is recorded only when `recordSql` is on. Undefined for other databases (Redis, MongoDB …).
 */
export function buildSqlBlock(attrs: Attributes, recordSql: boolean): SqlBlock | undefined {
  const system = dbSystemOf(attrs);
  if (system === undefined || !SQL_SYSTEMS.has(system)) return undefined;
  const block: SqlBlock = { database_type: system };
  const dbName = dbNameOf(attrs);
  const connection = readString(attrs[ATTR.DB_CONNECTION_STRING]);
  if (connection !== undefined) {
    const plain = connection.startsWith('jdbc:') ? connection.substring(5) : connection;
    // A URL only when it is one: `sqlserver://h:1433;databaseName=x;password=y` carries settings, not a path.
    if (plain.includes('://') && !plain.includes(';')) {
      let url = withoutCredentials(plain).replace(PASSWORD_PARAMETER, '$1');
      if (dbName !== undefined && !/^[^:]+:\/\/[^/]*\/./.test(url)) url = url.replace(/\/?$/, '/' + dbName);
      block.url = truncate(url, LIMITS.fieldLength);
    } else {
      block.connection_string = truncate(
        withoutCredentials(plain).replace(PASSWORD_SETTING, '$1').replace(ORACLE_USER_PASSWORD, '$1@'),
        LIMITS.fieldLength,
      );
    }
  } else {
    const host = dbHostOf(attrs);
    if (host !== undefined) {
      const port = readInteger(attrs[ATTR.SERVER_PORT]) ?? readInteger(attrs[ATTR.NET_PEER_PORT]);
      const hostPart = host.includes(':') ? `[${host}]` : host;
      block.url = truncate(
        `${system}://${hostPart}${port === undefined ? '' : ':' + port}/${dbName ?? ''}`,
        LIMITS.fieldLength,
      );
    }
  }
  const user = readString(attrs[ATTR.DB_USER]);
  if (user !== undefined) block.user = truncate(user, 256);
  if (recordSql) {
    const query = readString(attrs[ATTR.DB_QUERY_TEXT]) ?? readString(attrs[ATTR.DB_STATEMENT]);
    if (query !== undefined) block.sanitized_query = truncate(query, LIMITS.queryLength);
  }
  return block;
}
