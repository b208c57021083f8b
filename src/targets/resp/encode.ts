/**
 * RESP command encoding for the data plane. Commands off the hot path (handshake, SUBSCRIBE) are encoded from
 * strings; PUBLISH frames are laid out once per channel (`publishPrefix`) so a message only copies bytes.
 */

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');

/**
 * The bytes of `PUBLISH channel <payload>` (or SPUBLISH) up to the payload: `*3 $7 PUBLISH $n channel $m`.
 * The full frame is this prefix, `messageBytes` of payload, then CRLF.
 */
export function publishPrefix(sharded: boolean, channel: Buffer, messageBytes: number): Buffer {
  const command = sharded ? 'SPUBLISH' : 'PUBLISH';
  return Buffer.concat([
    Buffer.from(`*3\r\n$${command.length}\r\n${command}\r\n$${channel.length}\r\n`),
    channel,
    Buffer.from(`\r\n$${messageBytes}\r\n`),
  ]);
}

/**
 * The bytes of `XADD key MAXLEN ~ maxLen * m <payload>` up to the payload: the streams transport's publish, laid out
 * once per channel like publishPrefix, so a message costs the same copies. `~` lets Redis trim whole macro nodes
 * (cheap) instead of exactly at the cap.
 */
export function xaddPrefix(key: Buffer, maxLen: number, messageBytes: number): Buffer {
  const cap = String(maxLen);
  return Buffer.concat([
    Buffer.from(`*8\r\n$4\r\nXADD\r\n$${key.length}\r\n`),
    key,
    Buffer.from(`\r\n$6\r\nMAXLEN\r\n$1\r\n~\r\n$${cap.length}\r\n${cap}\r\n$1\r\n*\r\n$1\r\nm\r\n$${messageBytes}\r\n`),
  ]);
}

/** `MULTI` and `EXEC`, encoded once. */
export const MULTI_FRAME = encodeCommand(['MULTI']);
export const EXEC_FRAME = encodeCommand(['EXEC']);
/** `ASKING`, sent before a publish redirected by an ASK reply (cluster slot migration). */
export const ASKING_FRAME = encodeCommand(['ASKING']);
