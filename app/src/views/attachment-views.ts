/**
 * Attachments in the page: the chips of files waiting in the composer (each
 * carries its hidden `attachmentIds` field and a Remove button), and the
 * files a sent message holds: photos as thumbnails that open the full image,
 * documents as chips that download. Every address is our own origin.
 */
import type { Attachment } from '@homeagent/contract';
import { ACCEPTED_FILES, ATTACHMENT_LIMITS, humanSize, tooLargeSuffix } from '../attachment-limits.js';
import { html, type Html } from './html.js';
import { assetUrl } from '../static-assets.js';

export const attachmentPath = (attachmentId: string) => `/attachments/${encodeURIComponent(attachmentId)}`;
export const sharedAttachmentPath = (token: string) => (attachmentId: string) =>
  `/share/${encodeURIComponent(token)}/attachments/${encodeURIComponent(attachmentId)}`;

const THUMB_MAX = 240;

/** Width and height that fit the thumbnail box, so the page does not jump as images load. */
function thumbSize(a: Attachment): { width: number; height: number } {
  if (!a.width || !a.height) return { width: THUMB_MAX, height: THUMB_MAX };
  const scale = Math.min(1, THUMB_MAX / Math.max(a.width, a.height));
  return { width: Math.max(1, Math.round(a.width * scale)), height: Math.max(1, Math.round(a.height * scale)) };
}

/** The files of a sent message, in the order they were attached. */
export function messageAttachments(attachments: Attachment[] | undefined, pathOf: (id: string) => string = attachmentPath): Html {
  if (!attachments || attachments.length === 0) return html``;
  return html`<ul class="message-attachments" aria-label="Attached files">
  ${attachments.map((a) => {
    const path = pathOf(a.id);
    if (a.kind === 'image') {
      const { width, height } = thumbSize(a);
      return html`<li><a class="attachment-image" href="${path}" title="Open ${a.name}"><img src="${path}" alt="${a.name}" loading="lazy" decoding="async" width="${width}" height="${height}"></a></li>`;
    }
    return html`<li><a class="attachment-file" href="${path}" download="${a.name}"><span class="attachment-name">${a.name}</span> <span class="attachment-size">${humanSize(a.sizeBytes)}</span></a></li>`;
  })}
</ul>`;
}

/** One file waiting to be sent. Remove is a submit button so it works without a script (the route removes it). */
export function pendingChip(a: Attachment): Html {
  return html`<li class="attachment-chip" data-attachment-id="${a.id}">
  <input type="hidden" name="attachmentIds" value="${a.id}">
  ${a.kind === 'image' ? html`<img class="chip-thumb" src="${attachmentPath(a.id)}" alt="" width="40" height="40">` : html`<span class="chip-thumb chip-doc" aria-hidden="true">${a.format.toUpperCase()}</span>`}
  <span class="chip-name">${a.name}</span> <span class="chip-size">${humanSize(a.sizeBytes)}</span>
  <button type="submit" class="chip-remove button-quiet" name="remove" value="${a.id}" formnovalidate aria-label="Remove ${a.name}">×</button>
</li>`;
}

/**
 * The picker: a real file input named "Attach" (it posts with the form when
 * there is no script); app.js takes it over, uploads each file at once and
 * adds drop and paste (loading attach.js, `data-script`, on first use).
 * The chips list and the status line are its output.
 */
export function attachPicker(pending: Attachment[] = []): Html {
  // The largest file and the server's words for one past it: the script refuses it before any byte goes.
  return html`<div class="attach" data-script="${assetUrl('attach.js')}" data-max-bytes="${String(ATTACHMENT_LIMITS.fileMaxBytes)}" data-too-large="${tooLargeSuffix()}">
  <input type="file" id="attach-files" class="attach-input" name="files" multiple accept="${ACCEPTED_FILES}">
  <label for="attach-files" class="attach-label">Attach</label>
  <ul id="attachments" class="attachment-chips" aria-label="Files to send">${pending.map(pendingChip)}</ul>
  <p id="attach-status" class="attach-status" role="status" data-busy="Uploading… Send waits until the upload ends."></p>
  <template id="chip-template"><li class="attachment-chip uploading"><img class="chip-thumb" alt="" width="40" height="40" hidden><span class="chip-name"></span> <span class="chip-size">uploading…</span><button type="button" class="chip-remove button-quiet">×</button></li></template>
</div>`;
}
