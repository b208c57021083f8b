/**
 * A tiny one-shot RESP client for the launcher: PING and CLUSTER INFO while servers start. It opens one socket,
 * sends the commands, reads one reply per command and closes — no retries, no reconnects, a hard timeout.
 * (ioredis would retry and queue behind our back, which is the opposite of what a readiness poll wants.)
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/** TLS files for the raw client (the launcher's own certificates). */
export interface RawTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Where a raw command goes. */
export interface RawEndpoint {
  host: string;
  port: number;
  tls?: RawTls;
  password?: string;
}

/** Encodes a command as a RESP array of bulk strings. */
function encode(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/**
 * Parses replies from the front of `buf`: simple strings, errors, integers and bulk strings (all the launcher
 * needs). Returns the parsed replies (errors as Error) and how many bytes were used.
 */
function parseReplies(buf: Buffer, want: number): Array<string | Error> | undefined {
  const replies: Array<string | Error> = [];
  let pos = 0;
  while (replies.length < want) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0) return undefined;
    const type = String.fromCharCode(buf[pos]);
    const line = buf.toString('utf8', pos + 1, lineEnd);
    if (type === '+' || type === ':') {
      replies.push(line);
      pos = lineEnd + 2;
    } else if (type === '-') {
      replies.push(new Error(line));
      pos = lineEnd + 2;
    } else if (type === '$' || type === '=') {
      const len = Number(line);
      if (len < 0) {
        replies.push('');
        pos = lineEnd + 2;
        continue;
      }
      if (buf.length < lineEnd + 2 + len + 2) return undefined;
      replies.push(buf.toString('utf8', lineEnd + 2, lineEnd + 2 + len));
      pos = lineEnd + 2 + len + 2;
    } else {
      replies.push(new Error(`unexpected RESP type ${JSON.stringify(type)}`));
      return replies;
    }
  }
  return replies;
}

/**
 * Sends one command (after AUTH when a password is set) and resolves to its reply as text.
 * Rejects on a connection error, an error reply or the timeout.
 */
export function rawCommand(endpoint: RawEndpoint, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const commands = endpoint.password ? [['AUTH', endpoint.password], args] : [args];
    const socket = endpoint.tls
      ? tls.connect({
          host: endpoint.host,
          port: endpoint.port,
          ca: fs.readFileSync(endpoint.tls.caFile),
          cert: fs.readFileSync(endpoint.tls.certFile),
          key: fs.readFileSync(endpoint.tls.keyFile),
        })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | undefined, value?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    const timer = setTimeout(() => finish(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
      socket.write(commands.map(encode).join(''));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const replies = parseReplies(received, commands.length);
      if (!replies) return;
      const failed = replies.find((r): r is Error => r instanceof Error);
      if (failed) finish(failed);
      else finish(undefined, replies[replies.length - 1] as string);
    });
    socket.once('error', (err) => finish(err));
    socket.once('close', () => finish(new Error('connection closed before a reply')));
  });
}

/** Polls `check` every `intervalMs` until it resolves true or `timeoutMs` passes; returns the last failure. */
export async function pollUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<{ ok: boolean; lastError?: string }> {
  const deadline = Date.now() + timeoutMs;
  let lastError: string | undefined;
  while (Date.now() < deadline) {
    try {
      if (await check()) return { ok: true };
      lastError = undefined;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return { ok: false, lastError };
}
