/**
 * Light, dark, or as the system says (`prefers-color-scheme`): the person's
 * choice is a cookie (`theme`, a year, on this device) that the layout reads
 * into `<html data-theme>`; app.css does the rest.
 */
export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];
export const THEME_COOKIE = 'theme';

/** The page background of each theme: the browser's bar matches it (`theme-color`). */
export const THEME_COLORS = { light: '#f6f5f2', dark: '#16181b' } as const;

export function themeOf(cookie: string | undefined): Theme {
  return (THEMES as readonly string[]).includes(cookie ?? '') ? (cookie as Theme) : 'system';
}
