/** Rewrites rendered HTML for tracking (pure): http(s) links become click redirects, and an open pixel is added. */

const HREF = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2/gi;
const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&quot;': '"',
  '&#39;': "'",
  '&lt;': '<',
  '&gt;': '>',
};

export function decodeHtmlAttribute(value: string): string {
  return value
    .replace(/&(amp|quot|#39|lt|gt);/g, (e) => ENTITIES[e])
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
}

export interface TrackedHtml {
  html: string;
  /** The original URLs, by index: click `index` redirects to `links[index]`. */
  links: string[];
}

/**
 * `track(url)` says whether a link is tracked (e.g. not the unsubscribe link); the same URL twice gets one index.
 * The pixel goes before `</body>`, or at the end when there is none; a null pixelUrl adds none (a browser view).
 */
export function rewriteForTracking(
  html: string,
  track: (url: string) => boolean,
  clickUrl: (index: number, url: string) => string,
  pixelUrl: string | null,
): TrackedHtml {
  const links: string[] = [];
  const rewritten = html.replace(HREF, (whole, start: string, quote: string, raw: string) => {
    const url = decodeHtmlAttribute(raw.trim());
    if (!/^https?:\/\//i.test(url) || !track(url)) return whole;
    let index = links.indexOf(url);
    if (index < 0) index = links.push(url) - 1;
    return `${start}${quote}${clickUrl(index, url)}${quote}`;
  });
  if (pixelUrl === null) return { html: rewritten, links };
  const pixel = `<img src="${pixelUrl}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
  const body = rewritten.search(/<\/body\s*>/i);
  return {
    html: body < 0 ? rewritten + pixel : rewritten.slice(0, body) + pixel + rewritten.slice(body),
    links,
  };
}
