/**
 * A month's spending per day as a bar chart drawn on the server: an inline
 * <svg> (no chart library, no script, nothing the CSP has to allow), one
 * bar per day. It is an image to assistive technology (role="img", named by
 * its <title>, which says the month's total and its dearest day); the
 * figures themselves are in the table the page puts beside it. Colours are
 * classes styled with the theme's variables (app.css, "spending by day"),
 * never inline styles, so dark mode follows and the CSP stays strict.
 */
import { html, type Html } from './html.js';
import { usd } from './money-amount.js';

export interface ChartDay {
  /** `yyyy-mm-dd` */
  day: string;
  spentUsd: number;
}

const WIDTH = 640;
const HEIGHT = 180;
const LEFT = 56;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 24;

/** A round top for the scale (1, 2 or 5 times a power of ten) at or above the dearest day. */
export function scaleTop(max: number): number {
  if (max <= 0) return 0.01;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((m) => m * power >= max) ?? 10;
  return step * power;
}

const dayNumber = (day: string) => Number(day.slice(8, 10));
/** A scale figure, short: "$0", "$0.005", "$2.5", "$50". */
const axisLabel = (usdValue: number) => `$${Number(usdValue.toPrecision(3))}`;

/** How the chart reads aloud: "Spending per day, December 2026: $1.20 in all; the most, $0.50, on day 3." */
export function chartSummary(days: readonly ChartDay[], subject: string, monthLabel: string): string {
  const total = days.reduce((sum, d) => sum + d.spentUsd, 0);
  const dearest = days.reduce<ChartDay | undefined>((top, d) => (d.spentUsd > (top?.spentUsd ?? 0) ? d : top), undefined);
  const head = `${subject}, spending per day in ${monthLabel}`;
  if (!dearest) return `${head}: nothing spent.`;
  return `${head}: ${usd(total)} in all; the most, ${usd(dearest.spentUsd)}, on day ${dayNumber(dearest.day)}.`;
}

export function spendingChart(options: { id: string; days: readonly ChartDay[]; subject: string; monthLabel: string; variant: 'total' | 'person' }): Html {
  const { id, days, subject, monthLabel, variant } = options;
  const top = scaleTop(Math.max(0, ...days.map((d) => d.spentUsd)));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(1, days.length);
  const barWidth = Math.max(1, slot * 0.7);
  const y = (usdValue: number) => TOP + plotHeight - (usdValue / top) * plotHeight;
  const round = (n: number) => Math.round(n * 10) / 10;
  const ticks = [0, top / 2, top];
  const labelled = days.filter((d) => [1, 8, 15, 22, 29].includes(dayNumber(d.day)));
  return html`<svg class="spending-chart spending-chart-${variant}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title" focusable="false">
  <title id="${id}-title">${chartSummary(days, subject, monthLabel)}</title>
  <g aria-hidden="true">
    ${ticks.map(
      (tick) => html`<line class="chart-grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${round(y(tick))}" y2="${round(y(tick))}"></line>
    <text class="chart-label" x="${LEFT - 6}" y="${round(y(tick)) + 4}" text-anchor="end">${axisLabel(tick)}</text>`,
    )}
    ${days.map((d, i) => {
      const height = round((d.spentUsd / top) * plotHeight);
      return d.spentUsd > 0
        ? html`<rect class="chart-bar" x="${round(LEFT + i * slot + (slot - barWidth) / 2)}" y="${round(TOP + plotHeight - Math.max(height, 1))}" width="${round(barWidth)}" height="${Math.max(height, 1)}"><title>Day ${dayNumber(d.day)}: ${usd(d.spentUsd)}</title></rect>`
        : '';
    })}
    ${labelled.map(
      (d) => html`<text class="chart-label" x="${round(LEFT + (dayNumber(d.day) - 1) * slot + slot / 2)}" y="${HEIGHT - 6}" text-anchor="middle">${dayNumber(d.day)}</text>`,
    )}
  </g>
</svg>`;
}
