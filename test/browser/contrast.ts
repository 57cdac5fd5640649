/**
 * WCAG 2.2 contrast from a page's computed styles: relative luminance of the
 * sRGB colours Chromium reports, and the ratios the console must meet (text
 * 4.5:1, control borders and other UI 3:1) in the active colour scheme.
 */
import type { Page } from 'playwright-core';

type Rgb = [number, number, number];

export function parseRgb(css: string): Rgb {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(css);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: string, b: string): number {
  const [l1, l2] = [luminance(parseRgb(a)), luminance(parseRgb(b))].sort((x, y) => y - x) as [number, number];
  return (l1 + 0.05) / (l2 + 0.05);
}

export interface Pair {
  what: string;
  fg: string;
  bg: string;
  min: number;
}

/**
 * The colour pairs of the console's palette as the page renders them: each
 * status and approval colour on the page background, the buttons' text on
 * their fill, their fill and the input's and secondary button's borders
 * against the page. Probe elements carry the page's own classes.
 */
export async function colourPairs(page: Page): Promise<Pair[]> {
  return (await page.evaluate(`(() => {
    const bodyBg = getComputedStyle(document.body).backgroundColor;
    const probe = (tag, className) => {
      const el = document.createElement(tag);
      el.className = className;
      el.textContent = 'probe';
      document.querySelector('main')?.appendChild(el);
      const style = getComputedStyle(el);
      const out = { color: style.color, bg: style.backgroundColor, border: style.borderTopColor };
      el.remove();
      return out;
    };
    const pairs = [];
    for (const c of [
      'status-OPEN',
      'status-RESOLVED',
      'status-FAILED',
      'status-FALSE_ALARM',
      'PENDING',
      'APPROVED',
      'REJECTED',
      'muted',
      'ok',
      'bad',
    ]) {
      pairs.push({ what: \`text .\${c}\`, fg: probe('span', c).color, bg: bodyBg, min: 4.5 });
    }
    pairs.push({ what: 'text of the page', fg: getComputedStyle(document.body).color, bg: bodyBg, min: 4.5 });
    pairs.push({ what: 'link', fg: probe('a', '').color, bg: bodyBg, min: 4.5 });
    for (const c of ['approve', 'reject']) {
      const b = probe('button', c);
      pairs.push({ what: \`\${c} button text\`, fg: b.color, bg: b.bg, min: 4.5 });
      pairs.push({ what: \`\${c} button against the page\`, fg: b.bg, bg: bodyBg, min: 3 });
    }
    const secondary = probe('button', 'secondary');
    pairs.push({ what: 'secondary button text', fg: secondary.color, bg: bodyBg, min: 4.5 });
    pairs.push({ what: 'secondary button border', fg: secondary.border, bg: bodyBg, min: 3 });
    pairs.push({ what: 'text field border', fg: probe('textarea', '').border, bg: bodyBg, min: 3 });
    return pairs;
})()`)) as Pair[];
}

/** The pairs below their minimum, with their ratio: empty when the scheme meets AA. */
export async function contrastFailures(page: Page): Promise<string[]> {
  return (await colourPairs(page))
    .map((p) => ({ ...p, ratio: contrast(p.fg, p.bg) }))
    .filter((p) => p.ratio < p.min)
    .map((p) => `${p.what}: ${p.fg} on ${p.bg} is ${p.ratio.toFixed(2)}:1 (needs ${p.min}:1)`);
}
