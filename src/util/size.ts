const KiB = 1024;
const MiB = 1024 * 1024;
const UNITS: Record<string, number> = { '': 1, b: 1, k: KiB, kb: KiB, kib: KiB, m: MiB, mb: MiB, mib: MiB };

/** `256k`, `1m`, `2MiB`, `65536` (bytes); k and m are 1024 and 1024². Undefined when it is none of those, or 0. */
export function sizeBytes(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v) : null;
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const bytes = unit === undefined ? 0 : Math.floor(Number(m![1]) * unit);
  return bytes > 0 ? bytes : undefined;
}

/** `1 MiB`, `256 KiB`, or `1000 bytes`: as a limit is said to a user. */
export function formatSize(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}
