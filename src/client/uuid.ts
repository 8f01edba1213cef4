// VDiff ids: Go's github.com/google/uuid Parse (the forms it accepts and its error texts, which
// vtctldclient prints) and a new random (version 4) id.
import crypto from 'node:crypto';

/** The canonical lower-case form of a UUID in any form uuid.Parse accepts; throws its error text. */
export function parseUuid(text: string): string {
  let s = text;
  switch (s.length) {
    case 36: break;
    case 36 + 9:
      if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:') throw new Error(`invalid urn prefix: ${JSON.stringify(s.slice(0, 9))}`);
      s = s.slice(9);
      break;
    case 36 + 2: s = s.slice(1, 37); break;
    case 32:
      if (!/^[0-9a-fA-F]{32}$/.test(s)) throw new Error('invalid UUID format');
      s = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
      break;
    default: throw new Error(`invalid UUID length: ${s.length}`);
  }
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) throw new Error('invalid UUID format');
  return s.toLowerCase();
}

export function isUuid(text: string): boolean {
  try {
    parseUuid(text);
    return true;
  } catch {
    return false;
  }
}

export function newUuid(): string {
  return crypto.randomUUID();
}
