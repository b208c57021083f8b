/**
 * Free loopback ports for servers the harness starts. A port is found by binding it, so it is free at that
 * moment; ports handed out by this process are remembered so two servers started at once never get the same one.
 */
import net from 'node:net';

const handedOut = new Set<number>();

/** Highest port a cluster node may use: its bus port (port + 10000) must still be a valid port. */
const clusterPortMax = 65535 - 10000;
/** Bounded search: a loopback with this many busy ports is a machine problem, not something to loop on. */
const maxAttempts = 200;

/** Resolves to true when `port` can be bound on 127.0.0.1 right now (0 asks the OS for any free port). */
function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** A free loopback port (the OS picks it by binding port 0). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const port = await tryBind(0);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port found after ${maxAttempts} attempts`);
}

/**
 * A free loopback port P whose cluster bus port P + 10000 is free too (Redis Cluster always uses
 * port + 10000 for the bus unless told otherwise, and redis-cli --cluster create assumes that).
 */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    // Ephemeral ports from the OS are often above 55535, so candidates come from a fixed band instead.
    const candidate = 20000 + Math.floor(Math.random() * (clusterPortMax - 20000));
    if (handedOut.has(candidate) || handedOut.has(candidate + 10000)) continue;
    if ((await tryBind(candidate)) === undefined) continue;
    if ((await tryBind(candidate + 10000)) === undefined) continue;
    handedOut.add(candidate);
    handedOut.add(candidate + 10000);
    return candidate;
  }
  throw new Error(`no free loopback port pair (P, P+10000) found after ${maxAttempts} attempts`);
}
