// A spec file's bytes as the text the loader reads, the same for `shoal run`/`validate` and a file
// dropped on the window: UTF-8 only, a leading byte-order mark (Windows editors write one) dropped.
// Bytes that are not UTF-8 are a problem with its place, never silently turned into "�".
// No Node here: the renderer decodes dropped files with it.

export type DecodedSpec = { ok: true; text: string } | { ok: false; problem: string };

export function decodeSpecBytes(bytes: Uint8Array): DecodedSpec {
  let text: string;
  try {
    // ignoreBOM false (the default): a leading BOM is consumed, not returned.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problem: notUtf8(bytes) };
  }
  return { ok: true, text };
}

/** `not UTF-8 text: byte 0xff at line 3, column 9 …` for the first byte that is no part of a UTF-8 character. */
function notUtf8(bytes: Uint8Array): string {
  const at = firstInvalid(bytes);
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = [...new TextDecoder('utf-8').decode(bytes.subarray(lineStart, at))].length + 1;
  return `not UTF-8 text: byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at line ${line}, column ${column} is not part of a UTF-8 character; save the file as UTF-8`;
}

/** The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalid(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    const second = b[i + 1]!;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((c === 0xe0 && second < 0xa0) || (c === 0xed && second > 0x9f) || (c === 0xf0 && second < 0x90) || (c === 0xf4 && second > 0x8f)) return i;
    i += n + 1;
  }
  return Math.max(0, b.length - 1);
}
