import { describe, expect, it } from 'vitest';
import { escapeText, logText } from '../../src/report/escape.ts';

const ZWSP = '\u200b';

describe('escapeText: outside text made inert for Markdown and HTML', () => {
  it('HTML and Markdown specials become entities', () => {
    expect(escapeText('<img src=x onerror=alert(1)> & "q" \'s\'')).toBe('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;s&#39;');
    expect(escapeText('a|b `c` [d](e) \\ *f* _g_ ~h~ $x$')).toBe(
      'a&#124;b &#96;c&#96; &#91;d&#93;(e) &#92; &#42;f&#42; &#95;g&#95; &#126;h&#126; &#36;x&#36;',
    );
  });

  it('newlines collapse, so text cannot end a table row or start a block', () => {
    expect(escapeText('one\n# two\r\n```\n|three')).toBe('one # two &#96;&#96;&#96; &#124;three');
  });

  it('@mentions and e-mail addresses are defused', () => {
    expect(escapeText('ask @octocat or team@contoso.com')).toBe(`ask @${ZWSP}octocat or team@${ZWSP}contoso.com`);
  });

  it('bidi overrides, isolates, marks and C0/C1 controls are shown as U+FFFD', () => {
    const bidi = 'a\u202Eb\u2066c\u2069d\u200Ee\u200Ff\u061Cg\u0007h\u009Bi\u007Fj';
    expect(escapeText(bidi)).toBe('a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi\ufffdj');
  });

  it('URLs and www. do not autolink', () => {
    const out = escapeText('see https://evil.example/x and www.evil.example and ftp://x');
    expect(out).toBe(`see https:${ZWSP}//evil.example/x and www${ZWSP}.evil.example and ftp:${ZWSP}//x`);
    expect(out).not.toMatch(/https:\/\/|www\./);
  });

  it('issue and pull request references do not link', () => {
    expect(escapeText('fixed in #123, contoso/net#45 and GH-6')).toBe(`fixed in #${ZWSP}123, contoso/net#${ZWSP}45 and GH-${ZWSP}6`);
    // Our own entities keep their '#'.
    expect(escapeText('|')).toBe('&#124;');
  });

  it('our own advice may keep its link, and is defused otherwise', () => {
    const advice = 'Consent at https://login.microsoftonline.com/t/adminconsent?client_id=c, ask @admin (#1).';
    const out = escapeText(advice, { keepLinks: true });
    expect(out).toContain('https://login.microsoftonline.com/t/adminconsent?client&#95;id=c');
    expect(out).toContain(`@${ZWSP}admin (#${ZWSP}1)`);
  });

  it('a 120 kB value is cut, keeping its start and its end', () => {
    const value = `START${'x'.repeat(120_000)}END`;
    const out = escapeText(value);
    expect(Array.from(out).length).toBe(900);
    expect(out.startsWith('START')).toBe(true);
    expect(out.endsWith('END')).toBe(true);
    expect(out).toContain('…');
    expect(escapeText(value, 50).length).toBeLessThanOrEqual(50);
  });

  it('a cut never breaks an entity', () => {
    const out = escapeText('<'.repeat(5_000), 100);
    expect(out).toMatch(/^(?:&lt;)+…(?:&lt;)+$/);
  });
});

describe('logText: outside text made safe for the step log', () => {
  it('newline + ::warning:: cannot start a workflow command', () => {
    const out = logText('Bad\n::warning::pwned\r\n::add-mask::x');
    expect(out).toBe('Bad\\n::warning::pwned\\r\\n::add-mask::x');
    expect(out).not.toContain('\n');
  });

  it('text that itself starts with :: is not a command', () => {
    expect(logText('::error::x')).toBe('\\u003a:error::x');
    expect(logText('   ::set-output name=x::y')).toBe('   \\u003a:set-output name=x::y');
    expect(logText('a ::b::')).toBe('a ::b::');
  });

  it('other controls and bidi characters are shown, not sent to the terminal', () => {
    expect(logText('a\u001b[31mred\tb\u202Ec\u0000')).toBe('a\\u001b[31mred\\tb\\u202ec\\u0000');
  });

  it('is cut to its bound', () => {
    const out = logText('y'.repeat(120_000));
    expect(Array.from(out).length).toBe(2_000);
    expect(logText('z'.repeat(500), 100).length).toBeLessThanOrEqual(100);
  });

  it('plain text stays as it is', () => {
    expect(logText("AuthorizationFailed: The client 'x' may not write.")).toBe("AuthorizationFailed: The client 'x' may not write.");
  });
});
