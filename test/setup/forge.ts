/**
 * A signature of the same shape that is certainly not the real one: its first character changed. (Replacing the last
 * two characters with "AA" left the real signature whenever it already ended so, about one run in 256.)
 */
export function forgeSignature(sig: string): string {
  return `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
}
