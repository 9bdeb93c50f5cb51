/** A plain-text table for the terminal: columns padded, numbers right-aligned. */
export function formatTable(header: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === undefined ? '–' : String(cell))))];
  const widths = header.map((_, col) => Math.max(...cells.map((row) => (row[col] ?? '').length)));
  const numeric = header.map((_, col) => rows.every((row) => row[col] === undefined || typeof row[col] === 'number' || /^[\d.,%x× ()–-]+$/.test(row[col])));
  const line = (row: string[]) =>
    row.map((cell, col) => (col > 0 && numeric[col] ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
