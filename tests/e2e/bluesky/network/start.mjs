// Starts Bluesky's reference servers (PLC, PDS, AppView; TestNetwork also runs Ozone and
// Bsync) for Ripple's end-to-end tests, on the ports given in the environment, reachable on
// 127.0.0.1 only, without mock data. Prints one line `READY {json}` when the network answers,
// and shuts it down on SIGTERM/SIGINT. Run by tests/e2e/bluesky/network.py, with Node 22.
//
//   RIPPLE_BSKY_PLC_PORT, RIPPLE_BSKY_PDS_PORT, RIPPLE_BSKY_APPVIEW_PORT  ports to use
//   DB_POSTGRES_URL     the AppView's database (recreated by the caller at each start)
//   DB_POSTGRES_SCHEMA  letters and underscores only
//   REDIS_HOST          required by TestNetwork, never connected to
//   TMPDIR              the PDS keeps its data in random folders there
import net from 'node:net';

// The servers listen on every interface by default: keep them on the loopback interface.
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  } else if (first && typeof first === 'object' && !first.path && !first.host) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

const { TestNetwork } = await import('@atproto/dev-env');

const port = (name) => {
  const value = Number(process.env[name]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a port number`);
  return value;
};

const plcPort = port('RIPPLE_BSKY_PLC_PORT');
const pdsPort = port('RIPPLE_BSKY_PDS_PORT');
const appviewPort = port('RIPPLE_BSKY_APPVIEW_PORT');

const network = await TestNetwork.create({
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA,
  plc: { port: plcPort },
  pds: { port: pdsPort, hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: appviewPort, publicUrl: `http://localhost:${appviewPort}` },
});

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  try {
    await network.close();
  } finally {
    process.exit(0);
  }
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

console.log(
  'READY ' +
    JSON.stringify({
      plc: network.plc.url,
      pds: network.pds.url,
      appview: network.bsky.url,
      appviewDid: network.bsky.serverDid,
    }),
);
