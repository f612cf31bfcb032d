import * as assert from 'node:assert/strict';
import { parseDaemonAddress } from '../../src/index';

describe('parseDaemonAddress', () => {
  const good: Array<[string, { udp: string; tcp: string }]> = [
    ['127.0.0.1:2000', { udp: '127.0.0.1:2000', tcp: '127.0.0.1:2000' }],
    ['xray-daemon.internal:3000', { udp: 'xray-daemon.internal:3000', tcp: 'xray-daemon.internal:3000' }],
    ['localhost:2000', { udp: 'localhost:2000', tcp: 'localhost:2000' }],
    ['[::1]:2000', { udp: '::1:2000', tcp: '::1:2000' }],
    ['tcp:127.0.0.1:2001 udp:127.0.0.2:2002', { udp: '127.0.0.2:2002', tcp: '127.0.0.1:2001' }],
    ['udp:10.0.0.1:2000 tcp:daemon:2001', { udp: '10.0.0.1:2000', tcp: 'daemon:2001' }],
    ['udp:[::1]:2000, tcp:[::1]:2001', { udp: '::1:2000', tcp: '::1:2001' }],
    ['  169.254.79.2:2000  ', { udp: '169.254.79.2:2000', tcp: '169.254.79.2:2000' }],
  ];
  for (const [text, expected] of good) {
    it(`accepts ${JSON.stringify(text)}`, () => {
      const address = parseDaemonAddress(text);
      assert.notEqual(typeof address, 'string', String(address));
      const a = address as Exclude<typeof address, string>;
      assert.deepEqual({ udp: `${a.udp.host}:${a.udp.port}`, tcp: `${a.tcp.host}:${a.tcp.port}` }, expected);
      assert.equal(typeof a.udp.port, 'number');
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['nonsense', /no host:port/],
    [':2000', /no host:port/],
    ['host:', /not a port/],
    ['host:http', /not a port/],
    ['host:70000', /out of range/],
    ['host:0', /out of range/],
    ['::1:2000', /IPv6 host in brackets/],
    ['[::1]2000', /\[ipv6\]:port/],
    ['[nothost]:2000', /not an IPv6 address/],
    ['udp:127.0.0.1:2000', /must not name a protocol/],
    ['udp:a:1 udp:b:2', /one tcp: and one udp:/],
    ['udp:a:1 b:2', /does not start with udp: or tcp:/],
    ['a:1 b:2 c:3', /expected/],
    ['', /expected/],
    ['ho st:1', /expected|does not start/],
    ['h/x:1', /not a host name/],
  ];
  for (const [text, reason] of bad) {
    it(`rejects ${JSON.stringify(text)} with a reason`, () => {
      const result = parseDaemonAddress(text);
      assert.equal(typeof result, 'string');
      assert.match(result as string, reason);
    });
  }
});
