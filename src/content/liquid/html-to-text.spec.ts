import { decodeEntities, htmlToText } from './html-to-text';

describe('htmlToText', () => {
  it('strips tags, keeps paragraphs apart and drops head, style and script', () => {
    const html = `<!DOCTYPE html><html><head><title>T</title><style>p { color: red }</style></head>
      <body><script>alert(1)</script><h1>Hello   Ada</h1><p>Your <b>cart</b> is waiting.</p><p>Line one<br>line two</p>
      <!-- a comment --></body></html>`;
    expect(htmlToText(html)).toBe('Hello Ada\n\nYour cart is waiting.\n\nLine one\nline two');
  });

  it('keeps link URLs next to their labels', () => {
    expect(
      htmlToText('<p>See <a href="https://shop.example/p/1?a=1&amp;b=2" class="x">the shoe</a>.</p>'),
    ).toBe('See the shoe (https://shop.example/p/1?a=1&b=2).');
    expect(htmlToText('<a href="https://x.example">https://x.example</a>')).toBe('https://x.example');
    expect(htmlToText("<a href='mailto:help@example.com'>help@example.com</a>")).toBe('help@example.com');
    expect(htmlToText('<a href="#top">Back to top</a>')).toBe('Back to top');
    expect(htmlToText('<a href="https://x.example"><img src="logo.png"></a>')).toBe('https://x.example');
  });

  it('decodes entities once: escaped markup stays text', () => {
    expect(
      htmlToText('<p>Tom &amp; Jerry &lt;script&gt; &#8364;5 &#x1F600; &nbsp;&hellip; &unknown;</p>'),
    ).toBe('Tom & Jerry <script> €5 😀 … &unknown;');
    expect(htmlToText('<a href="https://x.example/?q=&amp;lt;">go</a>')).toBe(
      'go (https://x.example/?q=&lt;)',
    );
  });

  it('turns lists, rules and table cells into readable text', () => {
    const html = '<ul><li>One</li><li>Two</li></ul><hr><table><tr><td>Shoe</td><td>€89.90</td></tr></table>';
    expect(htmlToText(html)).toBe('- One\n- Two\n\n---\n\nShoe €89.90');
  });

  it('decodes numeric and named references', () => {
    expect(decodeEntities('&quot;a&quot; &#39;b&#39; &copy;')).toBe('"a" \'b\' ©');
  });
});
