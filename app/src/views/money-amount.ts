/** US dollar amounts as people read them. */

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "$1.23"; a cost below a cent but above nothing says so instead of "$0.00". */
export function usd(amount: number): string {
  if (amount > 0 && amount < 0.005) return 'less than $0.01';
  return dollars.format(amount);
}

/** The value a budget field shows: plain digits, no currency sign ("20", "12.5"). */
export function budgetFieldValue(amount: number): string {
  return String(Math.round(amount * 100) / 100);
}
