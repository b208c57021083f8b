/**
 * The binary envelope at the front of every payload. Fixed layout, little endian, 32 bytes:
 *
 *   0  u16  magic 0x4250 ('PB' on the wire)     16  u32  sequence number per (publisher, channel)
 *   2  u8   version (1)                          20  u32  send delay µs: actual − intended (saturating)
 *   3  u8   flags (bit 0: measured message)      24  f64  intended send time, epoch µs
 *   4  u32  run tag (random per run)
 *   8  u32  publisher id
 *  12  u32  channel index
 *
 * Then padding up to the message size. Decoding reads numbers straight from the Buffer: no strings, no objects
 * (the caller passes one reusable `DecodedEnvelope`). The actual send time is stored as a delay from the intended
 * time to keep the header small; it is exact to the microsecond up to 71 minutes of lateness.
 */

/** Bytes of the envelope header; the smallest allowed message size. */
export const ENVELOPE_HEADER_BYTES = 32;
export const ENVELOPE_MAGIC = 0x4250;
export const ENVELOPE_VERSION = 1;
/** Flag bit: the message's intended send time lies in the measure phase. */
export const FLAG_MEASURED = 1;

const MAX_U32 = 0xffffffff;
/** Scratch for the f64 field: byte stores beat Buffer's checked write/read helpers on the hot path. */
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function putU32(buf: Buffer, at: number, v: number): void {
  buf[at] = v;
  buf[at + 1] = v >>> 8;
  buf[at + 2] = v >>> 16;
  buf[at + 3] = v >>> 24;
}

function getU32(buf: Buffer, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16)) + buf[at + 3] * 0x1000000;
}

/** A reusable holder for decoded header fields. */
export interface DecodedEnvelope {
  flags: number;
  runTag: number;
  publisherId: number;
  channelIndex: number;
  seq: number;
  intendedUs: number;
  actualUs: number;
}

/** Makes an empty holder to pass to `decodeEnvelope`. */
export function newDecodedEnvelope(): DecodedEnvelope {
  return { flags: 0, runTag: 0, publisherId: 0, channelIndex: 0, seq: 0, intendedUs: 0, actualUs: 0 };
}

/**
 * Writes the header into `buf` at `at` (ENVELOPE_HEADER_BYTES must fit there). Padding after the header is left as
 * it is: its content is never read.
 */
export function encodeEnvelope(
  buf: Buffer,
  runTag: number,
  publisherId: number,
  channelIndex: number,
  seq: number,
  intendedUs: number,
  actualUs: number,
  flags: number,
  at = 0,
): void {
  buf[at] = 0x50;
  buf[at + 1] = 0x42;
  buf[at + 2] = ENVELOPE_VERSION;
  buf[at + 3] = flags;
  putU32(buf, at + 4, runTag);
  putU32(buf, at + 8, publisherId);
  putU32(buf, at + 12, channelIndex);
  putU32(buf, at + 16, seq);
  let delayUs = Math.round(actualUs - intendedUs);
  if (delayUs < 0) delayUs = 0;
  else if (delayUs > MAX_U32) delayUs = MAX_U32;
  putU32(buf, at + 20, delayUs);
  if (!LITTLE_ENDIAN) {
    buf.writeDoubleLE(intendedUs, at + 24);
    return;
  }
  f64[0] = intendedUs;
  for (let i = 0; i < 8; i++) buf[at + 24 + i] = f64Bytes[i];
}

/**
 * Reads the header of the payload buf[start, end) into `out`. Returns false (and leaves `out` unspecified) when
 * the payload is too short or does not carry our magic and version, so a foreign or corrupt message is counted,
 * never thrown on.
 */
export function decodeEnvelope(buf: Buffer, out: DecodedEnvelope, start = 0, end = buf.length): boolean {
  if (end - start < ENVELOPE_HEADER_BYTES || buf[start] !== 0x50 || buf[start + 1] !== 0x42 || buf[start + 2] !== ENVELOPE_VERSION) {
    return false;
  }
  out.flags = buf[start + 3];
  out.runTag = getU32(buf, start + 4);
  out.publisherId = getU32(buf, start + 8);
  out.channelIndex = getU32(buf, start + 12);
  out.seq = getU32(buf, start + 16);
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < 8; i++) f64Bytes[i] = buf[start + 24 + i];
    out.intendedUs = f64[0];
  } else {
    out.intendedUs = buf.readDoubleLE(start + 24);
  }
  out.actualUs = out.intendedUs + getU32(buf, start + 20);
  return true;
}
