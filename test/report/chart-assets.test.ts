/**
 * What the report inlines into its one HTML file: the chart library (uPlot, from the package, with its licence
 * named) and the chart script, and the data as JSON. Whatever a value holds (a venue's error text, a pair name),
 * it cannot end its <script> element or start markup in the page.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import { CHARTS_SCRIPT, chartLibrary, jsonScriptText, scriptText } from '../../src/report/chart-assets';

describe('jsonScriptText', () => {
  it('parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(jsonScriptText(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('holds no "<" at all, so neither </script> nor <!-- can appear, and escapes the JS line separators', () => {
    const hostile = { reason: '</script><script>alert(1)</script>', note: '<!-- x -->', sep: 'a\u2028b\u2029c' };
    const text = jsonScriptText(hostile);
    expect(text).not.toContain('<');
    expect(text).not.toContain('\u2028');
    expect(text).not.toContain('\u2029');
    expect(text).toContain('\\u003c/script>');
    expect(JSON.parse(text)).toEqual(hostile);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(jsonScriptText({ s })).not.toContain('<');
      }),
      { seed: 4, numRuns: 300 },
    );
  });
});

describe('scriptText', () => {
  it('escapes every "</script" in any case, and nothing else changes', () => {
    expect(scriptText('var s = "</script>"; var t = "</SCRIPT >";')).toBe('var s = "<\\/script>"; var t = "<\\/SCRIPT >";');
    expect(scriptText('a < b && c > d')).toBe('a < b && c > d');
  });

  it('refuses "<!--" (it would change how the browser parses the rest of the element)', () => {
    expect(() => scriptText('var x = "<!--";')).toThrow('script text must not contain "<!--"');
  });

  it('passes the chart script and the chart library', () => {
    expect(() => scriptText(CHARTS_SCRIPT)).not.toThrow();
    expect(scriptText(CHARTS_SCRIPT)).not.toMatch(/<\/script/i);
    expect(() => scriptText(chartLibrary().script)).not.toThrow();
  });
});

describe('chartLibrary', () => {
  it('is uPlot as installed, with its version and licence, read once', () => {
    const lib = chartLibrary();
    const pkg = JSON.parse(fs.readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string; license: string };
    expect(lib).toMatchObject({ name: 'uPlot', version: pkg.version, license: pkg.license });
    expect(lib.script).toContain('uPlot');
    expect(lib.css.length).toBeGreaterThan(100);
    expect(chartLibrary()).toBe(lib);
  });
});
