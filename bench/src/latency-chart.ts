/**
 * An SVG line chart of added latency per token (p50 solid, p99 dashed)
 * against concurrency, one colour per coalescing window, plus the direct
 * baseline in grey. Written by hand: a few lines of SVG need no library.
 */
export interface ChartSeries {
  label: string;
  /** concurrency → latency ms */
  p50: Array<[number, number]>;
  p99: Array<[number, number]>;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 180, top: 40, bottom: 48 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** `series[last]` may be the baseline: pass `baselineLabel` to draw it grey. */
export function latencyChart(title: string, series: ChartSeries[], baselineLabel?: string): string {
  const xs = [...new Set(series.flatMap((s) => [...s.p50, ...s.p99].map(([x]) => x)))].sort((a, b) => a - b);
  const yMax = niceMax(Math.max(1, ...series.flatMap((s) => [...s.p50, ...s.p99].map(([, y]) => y))));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  // Concurrency levels are evenly spaced: 1, 50, 200, 500 would crowd on a linear axis.
  const xAt = (x: number) => MARGIN.left + (xs.length <= 1 ? plotW / 2 : (xs.indexOf(x) / (xs.length - 1)) * plotW);
  const yAt = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${yAt(y).toFixed(1)}" y2="${yAt(y).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${(yAt(y) + 4).toFixed(1)}" text-anchor="end">${Number(y.toFixed(1))}</text>`,
    );
  }
  for (const x of xs) out.push(`<text x="${xAt(x).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${x}</text>`);
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">concurrent streams</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">added latency per token, ms</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
  );
  series.forEach((s, i) => {
    const colour = s.label === baselineLabel ? '#777' : COLOURS[i % COLOURS.length]!;
    for (const [points, dash] of [[s.p50, ''], [s.p99, ' stroke-dasharray="6 4"']] as const) {
      if (points.length === 0) continue;
      const path = points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${xAt(x).toFixed(1)} ${yAt(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
      for (const [x, y] of points) out.push(`<circle cx="${xAt(x).toFixed(1)}" cy="${yAt(y).toFixed(1)}" r="3" fill="${colour}"/>`);
    }
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`, `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  const ly = MARGIN.top + 10 + series.length * 20 + 10;
  const lx = MARGIN.left + plotW + 16;
  out.push(
    `<text x="${lx}" y="${ly}">solid: p50</text>`,
    `<text x="${lx}" y="${ly + 16}">dashed: p99</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
