/**
 * Redis Cluster hash slots: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key — or of its hash tag,
 * the part between the first `{` and the next `}` when that part is not empty — modulo 16384.
 */

/** Number of hash slots in a Redis Cluster. */
export const slotCount = 16384;

const table = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  table[i] = crc;
}

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ table[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc;
}

/** The hash slot of a key or channel name (UTF-8 bytes, as Redis sees them). */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(0x7b); // '{'
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // '}'
    if (close > open + 1) return crc16(bytes, open + 1, close) % slotCount;
  }
  return crc16(bytes, 0, bytes.length) % slotCount;
}

/**
 * Splits items into groups of one hash slot each, in first-seen order (a cluster node refuses a command whose keys or
 * channels span slots with CROSSSLOT). `nameOf` gives the key or channel of an item.
 */
export function groupBySlot<T>(items: readonly T[], nameOf: (item: T) => string | Uint8Array): T[][] {
  const bySlot = new Map<number, T[]>();
  for (const item of items) {
    const slot = keySlot(nameOf(item));
    const group = bySlot.get(slot);
    if (group) group.push(item);
    else bySlot.set(slot, [item]);
  }
  return [...bySlot.values()];
}
