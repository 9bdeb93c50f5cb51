const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML. Reply pieces go to the browser through the hub and
 * are appended to the page as they are, so every piece is escaped here.
 * A piece never splits an entity because each character is escaped alone.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
