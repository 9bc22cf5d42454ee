import { rewriteForTracking } from './track-links';

describe('rewriteForTracking', () => {
  const click = (i: number) => `https://w.test/t/c/${i}`;

  it('rewrites http(s) links, keeps others, numbers repeated URLs once and adds the pixel', () => {
    const html =
      '<html><body><a href="https://shop.test/a?x=1&amp;y=2">A</a> <a class="b" href=\'http://shop.test/b\'>B</a>' +
      '<a href="mailto:x@y.test">m</a><a href="https://w.test/u/tok">unsub</a><a href="https://shop.test/a?x=1&amp;y=2">again</a></body></html>';
    const out = rewriteForTracking(
      html,
      (u) => !u.startsWith('https://w.test/u/'),
      click,
      'https://w.test/t/o/p',
    );
    expect(out.links).toEqual(['https://shop.test/a?x=1&y=2', 'http://shop.test/b']);
    expect(out.html).toContain('<a href="https://w.test/t/c/0">A</a>');
    expect(out.html).toContain('<a class="b" href=\'https://w.test/t/c/1\'>B</a>');
    expect(out.html).toContain('href="mailto:x@y.test"');
    expect(out.html).toContain('href="https://w.test/u/tok"');
    expect(out.html).toContain('<a href="https://w.test/t/c/0">again</a>');
    expect(out.html).toMatch(/<img src="https:\/\/w\.test\/t\/o\/p"[^>]*><\/body><\/html>$/);
  });

  it('appends the pixel when there is no body tag', () => {
    expect(rewriteForTracking('<p>x</p>', () => true, click, 'P').html).toMatch(/^<p>x<\/p><img src="P"/);
  });

  it('adds no pixel when pixelUrl is null and hands the URL to clickUrl', () => {
    const out = rewriteForTracking(
      '<body><a href="https://shop.test/b">b</a></body>',
      () => true,
      (i, url) => `https://w.test/t/c/${i}?for=${encodeURIComponent(url)}`,
      null,
    );
    expect(out.html).toBe(
      '<body><a href="https://w.test/t/c/0?for=https%3A%2F%2Fshop.test%2Fb">b</a></body>',
    );
  });
});
