/**
 * Human numbers on the command line, as every output prints them: rates `5k`, `1.5M`, `2000/s`; sizes `64B`, `1KiB`,
 * `4mb`. Sizes follow the units' own meaning: KiB/MiB/GiB are powers of 1024, kB/MB/GB (any case) powers of 1000,
 * so `1KiB` is 1024 bytes and `4mb` is 4,000,000. Plain numbers are handled by the caller; these return undefined for
 * anything they do not recognise, and the caller reports it with its flag and hint.
 */

const RATE_RE = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmg])?\s*(?:\/s|msg\/s)?$/i;
const RATE_SCALE: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };

const SIZE_RE = /^(\d+(?:\.\d+)?|\.\d+)\s*(b|[kmg]i?b?)$/i;

/** Messages per second from `5k`, `1.5M`, `250/s`, `2k msg/s`; undefined when it is not such a rate. */
export function parseRate(text: string): number | undefined {
  const m = RATE_RE.exec(text.trim());
  if (!m) return undefined;
  // A rate in milli-messages makes no sense, so `m` means mega here, as `M` does.
  const scale = m[2] ? RATE_SCALE[m[2].toLowerCase()] : 1;
  return round(Number(m[1]) * scale);
}

/** Bytes from `64B`, `1KiB`, `4mb`, `1.5MiB`, `2k`; undefined when it is not such a size. */
export function parseBytes(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  if (unit === 'b') return round(Number(m[1]));
  const power = { k: 1, m: 2, g: 3 }[unit[0] as 'k' | 'm' | 'g'];
  const base = unit.includes('i') ? 1024 : 1000;
  return round(Number(m[1]) * base ** power);
}

/** Drops floating-point noise (1.1 × 1000 = 1100.0000000000002) without hiding a genuine fraction from the validator. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
