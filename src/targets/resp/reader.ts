/**
 * A streaming RESP2/RESP3 reader for the data plane. Bytes arrive in chunks split anywhere; the reader hands
 * every complete top-level frame to a `RespHandler`:
 *  - pub/sub deliveries (`message`, `pmessage`, `smessage`, as RESP2 arrays or RESP3 pushes) on a fast path that
 *    passes offsets into the received bytes: no copy, no string, no object per message;
 *  - integers and simple strings (PUBLISH and QUEUED replies) without allocating;
 *  - anything else (confirmations, errors, EXEC arrays, HELLO maps) decoded to plain JS values — the slow path.
 * A frame split over several chunks is kept in one growing buffer until it is whole; the reader waits for the byte
 * count a frame announced before parsing again, so a 1 MiB payload in 64 KiB chunks costs linear time.
 */

/** A decoded reply on the slow path. Maps become flat [key, value, …] arrays. */
export type RespValue = number | string | null | boolean | RespError | RespValue[];

/** An error reply (`-ERR …`, `!…`): a value, never thrown. */
export class RespError {
  constructor(readonly message: string) {}
}

/** The server sent bytes that are not RESP (or not what any Redis sends). The connection must be closed. */
export class RespProtocolError extends Error {}

/** Receives complete frames. Buffers passed in are only valid during the call. */
export interface RespHandler {
  /** A delivery: payload = buf[payloadStart, payloadEnd), channel likewise; `patStart` < 0 unless `pmessage`. */
  onDelivery(buf: Buffer, payloadStart: number, payloadEnd: number, chanStart: number, chanEnd: number, patStart: number, patEnd: number): void;
  /** An integer reply (`:n`). */
  onInteger(n: number): void;
  /** A simple-string reply (`+OK`, `+QUEUED`): its bytes are buf[start, end). */
  onSimple(buf: Buffer, start: number, end: number): void;
  /** Any other frame, decoded. `push` is true for RESP3 pushes (`>`). */
  onValue(value: RespValue, push: boolean): void;
  /**
   * A top-level bulk-string reply (an XADD's entry id): its bytes are buf[start, end). Without this handler bulk
   * replies are decoded and go to onValue.
   */
  onBulk?(buf: Buffer, start: number, end: number): void;
  /**
   * Readers made with `streams: true`: an XREADGROUP / XREAD reply is handed over as ranges, per stream
   * `onStreamKey` (the key and how many entries follow), per entry `onStreamEntry` (its id and the value of its first
   * field, or payloadStart -1 for an entry deleted while pending), then `onStreamReply` with the entry total (0 for
   * a BLOCK that timed out with a RESP2 nil).
   */
  onStreamKey?(buf: Buffer, keyStart: number, keyEnd: number, entries: number): void;
  onStreamEntry?(buf: Buffer, idStart: number, idEnd: number, payloadStart: number, payloadEnd: number): void;
  onStreamReply?(entries: number): void;
}

/** How a reader parses. */
export interface RespReaderOptions {
  /** Parse XREADGROUP replies on the fast path (a stream subscriber's connection). */
  streams?: boolean;
}

const CR = 13;
const LF = 10;
/** Nothing left to parse in this frame yet: wait for more bytes. */
const INCOMPLETE = -1;
/** The frame is not a delivery: parse it on the slow path. */
const NOT_DELIVERY = -2;

/** Where the last readInt/findLine left off (index after CRLF), or -1 when the line is not complete yet. */
let at = 0;

function protocolError(buf: Buffer, pos: number, what: string): RespProtocolError {
  const shown = JSON.stringify(buf.toString('latin1', pos, Math.min(buf.length, pos + 24)));
  return new RespProtocolError(`protocol error: ${what} at ${shown}`);
}

/** Reads a decimal integer line starting at `pos` (no type byte). Sets `at`. */
function readInt(buf: Buffer, pos: number, end: number): number {
  let n = 0;
  let neg = false;
  if (pos < end && buf[pos] === 45) {
    neg = true;
    pos++;
  }
  const start = pos;
  while (pos < end) {
    const c = buf[pos];
    if (c === CR) {
      if (pos + 1 >= end) break;
      if (buf[pos + 1] !== LF || pos === start) throw protocolError(buf, start, 'bad integer line');
      at = pos + 2;
      // Past 15 digits n * 10 + d loses precision: let the number parser round it once.
      if (pos - start > 15) n = Number(buf.toString('latin1', start, pos));
      return neg ? -n : n;
    }
    if (c < 48 || c > 57) throw protocolError(buf, start, 'bad integer');
    n = n * 10 + (c - 48);
    pos++;
  }
  at = INCOMPLETE;
  return 0;
}

/** Finds the CR of the line starting at `pos`; sets `at` past its CRLF. Returns the CR index or -1. */
function findLine(buf: Buffer, pos: number, end: number): number {
  for (let i = pos; i < end - 1; i++) {
    if (buf[i] === CR) {
      if (buf[i + 1] !== LF) throw protocolError(buf, pos, 'CR without LF');
      at = i + 2;
      return i;
    }
  }
  at = INCOMPLETE;
  return -1;
}

/** Incremental RESP reader: `feed` it chunks as they arrive. */
export class RespReader {
  private pending = Buffer.allocUnsafe(0);
  private pendingLen = 0;
  /** Bytes the first pending frame needs before a parse can succeed (0: unknown, try on any new data). */
  private need = 0;
  /** Bumped by reset(), so a handler that resets the reader mid-chunk stops the loop. */
  private generation = 0;
  /** Total bytes of the decoded value last returned by decodeValue (slow path). */
  private valueEnd = 0;

  private readonly streams: boolean;
  private readonly bulkFast: boolean;

  constructor(private readonly handler: RespHandler, opts: RespReaderOptions = {}) {
    this.streams = opts.streams === true;
    this.bulkFast = handler.onBulk !== undefined;
  }

  /** Drops any partial frame (after a disconnect: the next bytes start a new stream). */
  reset(): void {
    this.pendingLen = 0;
    this.need = 0;
    this.generation++;
  }

  /**
   * Parses every complete frame in chunk[0, length) (plus what was pending). Throws RespProtocolError on garbage.
   * The chunk may be reused by the caller afterwards: whatever is left over is copied.
   */
  feed(chunk: Buffer, length = chunk.length): void {
    if (this.pendingLen === 0) {
      const used = this.parseFrames(chunk, length);
      if (used >= 0 && used < length) this.stash(chunk, used, length);
      return;
    }
    this.append(chunk, length);
    if (this.pendingLen < this.need) return;
    const buf = this.pending;
    const len = this.pendingLen;
    const used = this.parseFrames(buf, len);
    if (used < 0) return; // reset during parsing
    if (used > 0) buf.copyWithin(0, used, len);
    this.pendingLen = len - used;
  }

  private stash(chunk: Buffer, from: number, to: number): void {
    const rest = to - from;
    // Sized to the leftover, not to a read: thousands of idle subscribers must not each hold a read buffer.
    if (this.pending.length < rest) this.pending = Buffer.allocUnsafe(Math.max(rest, 256));
    chunk.copy(this.pending, 0, from, to);
    this.pendingLen = rest;
  }

  private append(chunk: Buffer, length: number): void {
    const total = this.pendingLen + length;
    if (this.pending.length < total) {
      const grown = Buffer.allocUnsafe(Math.max(total, this.pending.length * 2));
      this.pending.copy(grown, 0, 0, this.pendingLen);
      this.pending = grown;
    }
    chunk.copy(this.pending, this.pendingLen, 0, length);
    this.pendingLen = total;
  }

  /** Parses frames from buf[0, end); returns the offset of the first incomplete frame (-1 after a reset). */
  private parseFrames(buf: Buffer, end: number): number {
    const gen = this.generation;
    let pos = 0;
    this.need = 0;
    while (pos < end) {
      const next = this.parseOne(buf, pos, end);
      if (this.generation !== gen) return -1;
      if (next < 0) break;
      pos = next;
    }
    return pos;
  }

  /** Parses one top-level frame at `pos`; returns the position after it, or -1 when it is incomplete. */
  private parseOne(buf: Buffer, pos: number, end: number): number {
    const type = buf[pos];
    if (type === 58) {
      // ':' integer
      const n = readInt(buf, pos + 1, end);
      if (at < 0) return INCOMPLETE;
      const next = at;
      this.handler.onInteger(n);
      return next;
    }
    if (type === 43) {
      // '+' simple string
      const cr = findLine(buf, pos + 1, end);
      if (cr < 0) return INCOMPLETE;
      const next = at;
      this.handler.onSimple(buf, pos + 1, cr);
      return next;
    }
    if (type === 42 || type === 62) {
      // '*' array or '>' push: deliveries first
      const next = this.tryDelivery(buf, pos, end);
      if (next !== NOT_DELIVERY) return next;
    }
    // After the pub/sub paths, so deliveries and PUBLISH replies never pay for the two checks below.
    if (type === 36 && this.bulkFast) {
      const next = this.bulkAt(buf, pos, end, pos);
      if (next === INCOMPLETE) return INCOMPLETE;
      if (next >= 0) {
        this.handler.onBulk!(buf, bulkStart, bulkEnd);
        return next;
      }
      // A nil bulk: the slow path decodes it to null.
    }
    if (this.streams && (type === 42 || type === 37)) {
      const next = this.tryStreamReply(buf, pos, end);
      if (next !== NOT_DELIVERY) return next;
    }
    const value = this.decodeValue(buf, pos, end, 0);
    if (value === undefined) {
      if (this.need === 0) this.need = end - pos + 1;
      return INCOMPLETE;
    }
    const next = this.valueEnd;
    this.handler.onValue(value, type === 62);
    return next;
  }

  /** The fast path for `message` / `smessage` / `pmessage` frames. */
  private tryDelivery(buf: Buffer, start: number, end: number): number {
    const count = readInt(buf, start + 1, end);
    if (at < 0) return INCOMPLETE;
    if (count !== 3 && count !== 4) return NOT_DELIVERY;
    let p = at;
    if (p >= end) return INCOMPLETE;
    if (buf[p] !== 36) return NOT_DELIVERY;
    const kindLen = readInt(buf, p + 1, end);
    if (at < 0) return INCOMPLETE;
    p = at;
    if (p + kindLen + 2 > end) return INCOMPLETE;
    const c0 = buf[p];
    let pattern = false;
    if (kindLen === 7 && count === 3 && sameBytes(buf, p, MESSAGE)) {
      // message
    } else if (kindLen === 8 && sameBytes(buf, p + 1, MESSAGE) && (c0 === 115 ? count === 3 : c0 === 112 && count === 4)) {
      pattern = c0 === 112; // pmessage; else smessage
    } else {
      return NOT_DELIVERY;
    }
    p += kindLen;
    if (buf[p] !== CR || buf[p + 1] !== LF) throw protocolError(buf, p, 'bulk string not ended by CRLF');
    p += 2;
    let patStart = -1;
    let patEnd = -1;
    if (pattern) {
      p = this.bulkAt(buf, p, end, start);
      if (p < 0) return p;
      patStart = bulkStart;
      patEnd = bulkEnd;
    }
    p = this.bulkAt(buf, p, end, start);
    if (p < 0) return p;
    const chanStart = bulkStart;
    const chanEnd = bulkEnd;
    p = this.bulkAt(buf, p, end, start);
    if (p < 0) return p;
    this.handler.onDelivery(buf, bulkStart, bulkEnd, chanStart, chanEnd, patStart, patEnd);
    return p;
  }

  /**
   * The fast path for XREADGROUP replies: RESP2 `*S` of [key, entries] pairs or RESP3 `%S` key → entries, each entry
   * [id, [field, value, …]] (or [id, nil] when it was deleted while pending). The frame is walked whole first, its
   * ranges kept in `streamRanges`, and handed over only once it is complete: a frame cut by a read is walked again
   * when the rest arrives, and nothing is reported twice. Any other shape goes to the slow path.
   */
  private tryStreamReply(buf: Buffer, start: number, end: number): number {
    const isMap = buf[start] === 37;
    const count = readInt(buf, start + 1, end);
    if (at < 0) return INCOMPLETE;
    let p = at;
    if (count < 0) {
      this.handler.onStreamReply?.(0);
      return p;
    }
    if (count === 0) return NOT_DELIVERY;
    let r = 0;
    let total = 0;
    for (let s = 0; s < count; s++) {
      if (!isMap) {
        p = arrayAt(buf, p, end);
        if (p < 0) return p;
        if (arrayCount !== 2) return NOT_DELIVERY;
      }
      p = this.bulkAt(buf, p, end, start);
      if (p < 0) return p;
      const keyStart = bulkStart;
      const keyEnd = bulkEnd;
      p = arrayAt(buf, p, end);
      if (p < 0) return p;
      const entries = arrayCount < 0 ? 0 : arrayCount;
      r = reserveRanges(r, 3 + 4 * entries);
      streamRanges[r++] = keyStart;
      streamRanges[r++] = keyEnd;
      streamRanges[r++] = entries;
      for (let e = 0; e < entries; e++) {
        p = arrayAt(buf, p, end);
        if (p < 0) return p;
        if (arrayCount !== 2) return NOT_DELIVERY;
        p = this.bulkAt(buf, p, end, start);
        if (p < 0) return p;
        streamRanges[r++] = bulkStart;
        streamRanges[r++] = bulkEnd;
        p = arrayAt(buf, p, end);
        if (p < 0) return p;
        const fields = arrayCount;
        let payloadStart = -1;
        let payloadEnd = -1;
        for (let f = 0; f < fields; f++) {
          p = this.bulkAt(buf, p, end, start);
          if (p < 0) return p;
          if (f === 1) {
            payloadStart = bulkStart;
            payloadEnd = bulkEnd;
          }
        }
        streamRanges[r++] = payloadStart;
        streamRanges[r++] = payloadEnd;
      }
      total += entries;
    }
    const h = this.handler;
    let i = 0;
    while (i < r) {
      const entries = streamRanges[i + 2];
      h.onStreamKey?.(buf, streamRanges[i], streamRanges[i + 1], entries);
      i += 3;
      for (let e = 0; e < entries; e++, i += 4) h.onStreamEntry?.(buf, streamRanges[i], streamRanges[i + 1], streamRanges[i + 2], streamRanges[i + 3]);
    }
    h.onStreamReply?.(total);
    return p;
  }

  /**
   * Reads a bulk string at `p`, setting bulkStart/bulkEnd; returns the position after it, INCOMPLETE (with `need`
   * set when the length is known), or NOT_DELIVERY when it is not a bulk string.
   */
  private bulkAt(buf: Buffer, p: number, end: number, frameStart: number): number {
    if (p >= end) return INCOMPLETE;
    if (buf[p] !== 36) return NOT_DELIVERY;
    const len = readInt(buf, p + 1, end);
    if (at < 0) return INCOMPLETE;
    if (len < 0) return NOT_DELIVERY;
    const after = at + len + 2;
    if (after > end) {
      this.need = after - frameStart;
      return INCOMPLETE;
    }
    if (buf[after - 2] !== CR || buf[after - 1] !== LF) throw protocolError(buf, at + len, 'bulk string not ended by CRLF');
    bulkStart = at;
    bulkEnd = at + len;
    return after;
  }

  /**
   * Decodes one value at `pos` (slow path). Returns undefined when incomplete; sets valueEnd on success.
   * `depth` guards against a hostile server nesting arrays without end.
   */
  private decodeValue(buf: Buffer, pos: number, end: number, depth: number): RespValue | undefined {
    if (pos >= end) return undefined;
    if (depth > 64) throw protocolError(buf, pos, 'nesting too deep');
    const type = buf[pos];
    switch (type) {
      case 43: // + simple string
      case 45: // - error
      case 44: // , double
      case 40: // ( big number
      case 35: { // # boolean
        const cr = findLine(buf, pos + 1, end);
        if (cr < 0) return undefined;
        this.valueEnd = at;
        const text = buf.toString('utf8', pos + 1, cr);
        if (type === 45) return new RespError(text);
        if (type === 44) return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
        if (type === 35) return text === 't';
        return text;
      }
      case 58: { // : integer
        const n = readInt(buf, pos + 1, end);
        if (at < 0) return undefined;
        this.valueEnd = at;
        return n;
      }
      case 95: { // _ null
        const cr = findLine(buf, pos + 1, end);
        if (cr < 0) return undefined;
        this.valueEnd = at;
        return null;
      }
      case 36: // $ bulk string
      case 33: // ! bulk error
      case 61: { // = verbatim string
        const len = readInt(buf, pos + 1, end);
        if (at < 0) return undefined;
        if (len < 0) {
          this.valueEnd = at;
          return null;
        }
        const after = at + len + 2;
        if (after > end) {
          if (depth === 0) this.need = after - pos;
          return undefined;
        }
        if (buf[after - 2] !== CR || buf[after - 1] !== LF) throw protocolError(buf, at + len, 'bulk string not ended by CRLF');
        const from = type === 61 ? at + 4 : at; // verbatim: skip "txt:"
        const text = buf.toString('utf8', from, at + len);
        this.valueEnd = after;
        return type === 33 ? new RespError(text) : text;
      }
      case 42: // * array
      case 62: // > push
      case 126: // ~ set
      case 37: // % map
      case 124: { // | attribute (skipped: it annotates the value after it)
        const count = readInt(buf, pos + 1, end);
        if (at < 0) return undefined;
        if (count < 0) {
          this.valueEnd = at;
          return null;
        }
        const items = type === 37 || type === 124 ? count * 2 : count;
        const out: RespValue[] = [];
        let p = at;
        for (let i = 0; i < items; i++) {
          const v = this.decodeValue(buf, p, end, depth + 1);
          if (v === undefined) return undefined;
          out.push(v);
          p = this.valueEnd;
        }
        if (type === 124) return this.decodeValue(buf, p, end, depth + 1);
        this.valueEnd = p;
        return out;
      }
      default:
        throw protocolError(buf, pos, `unexpected type byte ${JSON.stringify(String.fromCharCode(type))}`);
    }
  }
}

const MESSAGE = Buffer.from('message');

/** True when buf[at…] starts with `word`. */
function sameBytes(buf: Buffer, at: number, word: Buffer): boolean {
  for (let i = 0; i < word.length; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

/** Ranges of the stream reply being walked (grown when a reply holds more entries than ever before). */
let streamRanges = new Int32Array(4096);
/** Element count of the array header arrayAt read last (-1 for a nil array). */
let arrayCount = 0;

/** Makes room for `more` ranges after the first `used`; returns `used`. */
function reserveRanges(used: number, more: number): number {
  if (used + more > streamRanges.length) {
    const grown = new Int32Array(Math.max(streamRanges.length * 2, used + more));
    grown.set(streamRanges.subarray(0, used));
    streamRanges = grown;
  }
  return used;
}

/** Reads an array header (`*n`, or RESP3 `_` as a nil array) at `p`, setting arrayCount; like bulkAt's returns. */
function arrayAt(buf: Buffer, p: number, end: number): number {
  if (p >= end) return INCOMPLETE;
  if (buf[p] === 95) {
    const cr = findLine(buf, p + 1, end);
    if (cr < 0) return INCOMPLETE;
    arrayCount = -1;
    return at;
  }
  if (buf[p] !== 42) return NOT_DELIVERY;
  arrayCount = readInt(buf, p + 1, end);
  return at < 0 ? INCOMPLETE : at;
}

/** Where the last bulkAt found its string (module state: the hot path returns no objects). */
let bulkStart = 0;
let bulkEnd = 0;
