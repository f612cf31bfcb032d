/** The X-Ray daemon's UDP protocol: facts shared by the packer and the emitter. */

/** Every datagram starts with this line, then carries one document. */
export const DAEMON_HEADER = '{"format":"json","version":1}\n';

/**
 * The largest UDP payload over IPv4 (65,535 less the IP and UDP headers). The daemon's 64 KB read buffer is
 * larger, so this is the limit that bites: a bigger datagram fails with EMSGSIZE.
 */
export const MAX_DATAGRAM_BYTES = 65_507;
