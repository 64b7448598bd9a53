/**
 * The bytes of a manifest file ↔ its text. Kubernetes reads YAML as UTF-8 (or UTF-16 with a byte order mark, which
 * Windows PowerShell 5 writes for `kubectl get … -o yaml > file`). Bytes that are not valid UTF-8 were read as U+FFFD and
 * written back that way, destroying every such character of the file (a Latin-1 `é` in a comment): they are refused
 * with the line, instead. UTF-16 files are edited and written back as UTF-16, byte order mark included.
 */

export type ManifestEncoding = 'utf8' | 'utf16le' | 'utf16be';

export interface DecodedManifest {
  /** The text; a byte order mark stays in it as U+FEFF (the scanner skips it and the edit keeps it). */
  text: string;
  encoding: ManifestEncoding;
}

/** The bytes are not text MOrA can edit without loss; the message says where and what to do. */
export class ManifestEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestEncodingError';
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeManifest(bytes: Uint8Array): DecodedManifest {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { text: utf16(bytes, false), encoding: 'utf16le' };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { text: utf16(bytes, true), encoding: 'utf16be' };
  try {
    return { text: strictUtf8.decode(bytes), encoding: 'utf8' };
  } catch {
    throw new ManifestEncodingError(notUtf8(bytes));
  }
}

export function encodeManifest(text: string, encoding: ManifestEncoding): Uint8Array {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  const le = Buffer.from(text, 'utf16le');
  return encoding === 'utf16le' ? le : le.swap16();
}

function utf16(bytes: Uint8Array, bigEndian: boolean): string {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return (bigEndian ? copy.swap16() : copy).toString('utf16le');
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates). */
export function firstNonUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) { i++; continue; }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) { n = 2; if (b === 0xe0) lo = 0xa0; if (b === 0xed) hi = 0x9f; }
    else if (b >= 0xf0 && b <= 0xf4) { n = 3; if (b === 0xf0) lo = 0x90; if (b === 0xf4) hi = 0x8f; }
    else return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** Where the first byte that is not UTF-8 is, and what the file probably is. */
function notUtf8(bytes: Uint8Array): string {
  const at = Math.max(firstNonUtf8(bytes), 0);
  let line = 1;
  for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
  const zeros = bytes.subarray(0, 64).filter((b) => b === 0).length;
  const hint = zeros > 8
    ? 'it looks like UTF-16 without a byte order mark; save it as UTF-8'
    : 'a Latin-1 or Windows-1252 file? convert it to UTF-8 first, e.g. iconv -f latin1 -t utf-8';
  return `not UTF-8 text: byte 0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')} at line ${line} (${hint}); `
    + 'Kubernetes reads manifests as UTF-8, and MOrA will not rewrite characters it cannot read';
}
