/**
 * The text/plain body of an email whose template has no `text`: the rendered HTML with tags stripped, link URLs
 * kept next to their label, block elements turned into line breaks and entities decoded. Pure and small on
 * purpose: it is for email bodies, not arbitrary web pages.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  times: '×',
  deg: '°',
  zwnj: '',
  zwj: '',
  shy: '',
};

/** Decodes named (the common ones) and numeric character references; unknown names are left as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    const named = NAMED_ENTITIES[ref.toLowerCase()];
    return named ?? whole;
  });
}

const BLOCK_TAGS =
  'p|div|h[1-6]|table|tr|ul|ol|blockquote|section|article|header|footer|main|nav|aside|center|pre|address|dl|dt|dd|form|fieldset|tbody|thead|tfoot';

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** Label and URL of a link: `label (url)`, or just the URL when the label is empty or the URL itself. */
function linkText(openTag: string, inner: string): string {
  const href = decodeEntities(attribute(openTag, 'href') ?? '').trim();
  const label = inner.replace(/<[^>]*>/g, ' ');
  const labelText = decodeEntities(label).replace(/\s+/g, ' ').trim();
  if (!href || href.startsWith('#') || /^javascript:/i.test(href)) return label;
  const shownText = href.replace(/^mailto:/i, '');
  // Re-escaped because the whole text is tag-stripped and entity-decoded once more afterwards.
  const shown = shownText.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (!labelText || labelText === href || labelText === shownText) return ` ${shown} `;
  return `${label} (${shown})`;
}

export function htmlToText(html: string): string {
  let s = html;
  s = s.replace(/<!--[\s\S]*?-->/g, '');
  s = s.replace(/<(head|style|script|title|template|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  s = s.replace(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi, (_m, attrs: string, inner: string) =>
    linkText(`<a ${attrs}>`, inner),
  );
  s = s.replace(/<br\s*\/?>/gi, '\n');
  s = s.replace(/<hr\b[^>]*>/gi, '\n\n---\n\n');
  s = s.replace(/<li\b[^>]*>/gi, '\n- ');
  s = s.replace(/<\/li\s*>/gi, '');
  s = s.replace(/<\/?(td|th)\b[^>]*>/gi, ' ');
  s = s.replace(new RegExp(`<\\/?(${BLOCK_TAGS})\\b[^>]*>`, 'gi'), '\n\n');
  s = s.replace(/<[^>]*>/g, '');
  s = decodeEntities(s);
  const lines = s.split(/\r?\n/).map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim());
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
