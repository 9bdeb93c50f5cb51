// Attaching files (app.js loads this module on first use and hands it the files): each uploads at
// once (POST /attachments, the bytes as they are, the CSRF token in a header); the answer is the
// chip (with its hidden `attachmentIds` field) or the server's refusal, shown on the chip and in the
// status line. Send waits for uploads, then sends; Remove deletes the pending upload.
let uploading = 0;
let sendWhenDone = false;

const headers = (form, more) => ({ 'x-csrf-token': form.querySelector('[name="_csrf"]')?.value ?? '', 'hx-request': 'true', 'hx-request-type': 'partial', ...more });
const forget = (id, form) => id && fetch(`/attachments/${encodeURIComponent(id)}`, { method: 'DELETE', headers: headers(form) }).catch(() => {});

function status(form, text) {
  const line = form.querySelector('#attach-status');
  if (line) line.textContent = text ?? (uploading > 0 ? line.dataset.busy : '');
  if (uploading === 0 && sendWhenDone) {
    sendWhenDone = false;
    form.requestSubmit();
  }
}

function add(form, file) {
  const list = form.querySelector('#attachments');
  const template = form.querySelector('#chip-template');
  if (!list || !template) return;
  // The server's markup for a chip in progress; an image shows itself (an object URL) until it is up.
  const chip = template.content.firstElementChild.cloneNode(true);
  const url = /^image\/(png|jpeg|gif|webp)$/.test(file.type) ? URL.createObjectURL(file) : '';
  if (url) Object.assign(chip.querySelector('img'), { src: url, hidden: false });
  chip.querySelector('.chip-name').textContent = file.name;
  chip.querySelector('button').setAttribute('aria-label', `Remove ${file.name}`);
  list.append(chip);
  // Past the largest file: refused here, before a byte goes (the server would say the same after reading it).
  const picker = form.querySelector('.attach');
  if (file.size > Number(picker?.dataset.maxBytes ?? Infinity)) {
    const refusal = `“${file.name}” ${picker.dataset.tooLarge}`;
    chip.classList.add('failed');
    chip.querySelector('.chip-size').textContent = refusal;
    URL.revokeObjectURL(url);
    return status(form, refusal);
  }
  uploading += 1;
  status(form);
  fetch('/attachments', { method: 'POST', headers: headers(form, { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) }), body: file })
    .then(async (response) => {
      const answer = document.createElement('template');
      answer.innerHTML = await response.text();
      const done = answer.content.querySelector('.attachment-chip');
      // Removed while it uploaded: the upload goes too.
      if (!chip.isConnected) return forget(done?.dataset.attachmentId, form);
      if (response.ok && done) return chip.replaceWith(done);
      throw new Error(answer.content.textContent.replace(/\s+/g, ' ').trim());
    })
    .catch((error) => {
      chip.classList.add('failed');
      chip.querySelector('.chip-size').textContent = error.message || `“${file.name}” could not be uploaded; please try again.`;
    })
    .finally(() => {
      URL.revokeObjectURL(url);
      uploading -= 1;
      status(form, chip.classList.contains('failed') ? chip.querySelector('.chip-size').textContent : undefined);
    });
}

export function addAll(form, files) {
  for (const file of files) add(form, file);
}

// A chip's Remove is a submit button for the page without a script; here only the chip and its upload go.
document.addEventListener('click', (event) => {
  const chip = event.target instanceof Element ? event.target.closest('#composer .chip-remove')?.closest('.attachment-chip') : null;
  if (!chip) return;
  event.preventDefault();
  const form = chip.closest('form');
  forget(chip.dataset.attachmentId, form);
  chip.remove();
  form.querySelector('#attach-files')?.focus();
});

// Captured before htmx reads the form: Send waits while files upload, and sends once they are up.
document.addEventListener('submit', (event) => {
  if (event.target.id !== 'composer' || uploading === 0) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  sendWhenDone = true;
}, true);
