/**
 * A Location header holds ASCII only: links with other characters (a product name in a path, a customer's name in a
 * query string) are sent percent-encoded, as a browser would request them.
 */
export function asLocation(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    // Not a URL the parser takes (a space in the host, say): still ASCII, and existing escapes stay as they are.
    return url.toWellFormed().replace(/[^\x21-\x7e]+/g, encodeURIComponent);
  }
}
