// The delivery centre's only script. The pages work without it (plain forms); with it: live regions that follow the
// other party's changes (Server-Sent Events), uploads with progress per file, the confirmation before a submit, length
// counters, countdowns and times in the reader's own time zone.
(() => {
  'use strict';
  const main = document.querySelector('.c-main');
  if (!main) return;
  const text = main.dataset;

  // ---- times in the reader's time zone -------------------------------------------------------------------------
  const pad = n => String(n).padStart(2, '0');
  const zoneName = (() => {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; }
  })();
  function localTimes(root) {
    root.querySelectorAll('time[data-local]').forEach(t => {
      const at = new Date(t.getAttribute('datetime'));
      if (isNaN(at)) return;
      let shown = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
      if (t.dataset.local === 'zone') {
        const offset = -at.getTimezoneOffset();
        const label = zoneName === 'Asia/Shanghai' ? text.cst : ` (UTC${offset >= 0 ? '+' : '-'}${Math.floor(Math.abs(offset) / 60)}${Math.abs(offset) % 60 ? ':' + pad(Math.abs(offset) % 60) : ''})`;
        shown += label;
      }
      t.textContent = shown;
      t.title = zoneName;
    });
  }

  function countdowns(root) {
    root.querySelectorAll('[data-due]').forEach(c => {
      const left = new Date(c.dataset.due) - Date.now();
      const minutes = Math.floor(left / 60000);
      const fill = (template, a, b) => template.replace('{0}', a).replace('{1}', b);
      c.textContent = left <= 0 ? text.dueNow
        : minutes >= 1440 ? fill(text.leftDays, Math.floor(minutes / 1440), Math.floor(minutes % 1440 / 60))
        : minutes >= 60 ? fill(text.leftHours, Math.floor(minutes / 60), minutes % 60)
        : fill(text.leftMinutes, Math.max(1, minutes));
      c.classList.toggle('c-soon', left < 86400000);
    });
  }

  // ---- forms ------------------------------------------------------------------------------------------------
  function counters(root) {
    root.querySelectorAll('[data-counter]').forEach(area => {
      const counter = document.getElementById(area.dataset.counter);
      if (!counter) return;
      const max = area.getAttribute('maxlength');
      const update = () => { counter.textContent = `${area.value.length} / ${max}`; };
      area.addEventListener('input', update);
      update();
    });
  }

  function confirmDialog(message, ok, cancel) {
    return new Promise(resolve => {
      const dialog = document.createElement('dialog');
      dialog.className = 'c-dialog';
      dialog.setAttribute('data-testid', 'confirm-dialog');
      const p = document.createElement('p');
      p.textContent = message;
      const buttons = document.createElement('div');
      buttons.className = 'c-dialog-buttons';
      const no = document.createElement('button');
      no.type = 'button'; no.className = 'c-button'; no.textContent = cancel;
      const yes = document.createElement('button');
      yes.type = 'button'; yes.className = 'c-button c-primary'; yes.textContent = ok;
      yes.setAttribute('data-testid', 'confirm-ok');
      buttons.append(no, yes);
      dialog.append(p, buttons);
      document.body.append(dialog);
      const close = answer => { dialog.close(); dialog.remove(); resolve(answer); };
      no.addEventListener('click', () => close(false));
      yes.addEventListener('click', () => close(true));
      dialog.addEventListener('cancel', () => close(false));
      dialog.showModal();
      yes.focus();
    });
  }

  function forms(root) {
    root.querySelectorAll('form.c-form').forEach(form => {
      form.addEventListener('input', () => { form.dataset.dirty = '1'; });
      form.addEventListener('submit', async event => {
        if (form.dataset.sending) { event.preventDefault(); return; }
        if (form.querySelector('.c-file.c-uploading')) {
          event.preventDefault();
          alert(text.stillUploading);
          return;
        }
        if (form.dataset.confirm && !form.dataset.confirmed) {
          event.preventDefault();
          if (await confirmDialog(form.dataset.confirm, form.dataset.confirmOk, form.dataset.confirmCancel)) {
            form.dataset.confirmed = '1';
            form.requestSubmit();
          }
          return;
        }
        // Sent once: a double click must not post twice (the server would act once anyway: same Idempotency-Key).
        form.dataset.sending = '1';
        form.querySelectorAll('button[type="submit"]').forEach(b => { b.disabled = true; });
      });
    });
  }

  // ---- uploads ----------------------------------------------------------------------------------------------
  function uploaders(root) {
    root.querySelectorAll('[data-uploader]').forEach(box => {
      const input = box.querySelector('[data-file-input]');
      const drop = box.querySelector('[data-drop]');
      const list = box.querySelector('[data-files]');
      const form = box.closest('form');
      const types = (box.dataset.types || '').split(',');
      const max = Number(box.dataset.max || 0);
      const maxBytes = Number(box.dataset.maxBytes || 0);
      list.addEventListener('click', e => {
        const button = e.target.closest('[data-remove-file]');
        if (button) { button.closest('li').remove(); form.dataset.dirty = '1'; }
      });
      const add = files => {
        for (const file of files) {
          const li = document.createElement('li');
          li.className = 'c-file';
          const name = document.createElement('span');
          name.className = 'c-file-name'; name.textContent = file.name;
          const size = document.createElement('span');
          size.className = 'c-muted'; size.textContent = file.size >= 1048576 ? `${(file.size / 1048576).toFixed(1)} MB` : `${Math.ceil(file.size / 1024)} KB`;
          const remove = document.createElement('button');
          remove.type = 'button'; remove.className = 'c-link'; remove.textContent = box.dataset.remove; remove.setAttribute('data-remove-file', '');
          li.append(name, size, remove);
          list.append(li);
          form.dataset.dirty = '1';
          const extension = (file.name.match(/\.[^.]+$/) || [''])[0].toLowerCase();
          const fail = message => {
            li.classList.add('c-failed');
            const error = document.createElement('span');
            error.className = 'c-file-error'; error.setAttribute('data-testid', 'file-error');
            error.textContent = `${file.name}: ${message}`;
            li.append(error);
          };
          const kept = list.querySelectorAll('.c-file:not(.c-failed)').length;
          if (!types.includes(extension)) { fail(box.dataset.badType); continue; }
          if (file.size > maxBytes) { fail(box.dataset.tooLarge); continue; }
          if (kept > max) { fail(box.dataset.tooMany); continue; }
          upload(file, li, fail);
        }
      };
      const upload = (file, li, fail) => {
        const progress = document.createElement('progress');
        progress.max = 100; progress.value = 0;
        li.append(progress);
        li.classList.add('c-uploading');
        const body = new FormData();
        body.append('file', file, file.name);
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/deliveries/attachments');
        xhr.setRequestHeader('RequestVerificationToken', form.querySelector('input[name="__RequestVerificationToken"]').value);
        xhr.upload.addEventListener('progress', e => { if (e.lengthComputable) progress.value = Math.round(e.loaded * 100 / e.total); });
        xhr.addEventListener('load', () => {
          li.classList.remove('c-uploading');
          progress.remove();
          if (xhr.status === 201) {
            const stored = JSON.parse(xhr.responseText);
            const hidden = document.createElement('input');
            hidden.type = 'hidden'; hidden.name = 'attachmentIds'; hidden.value = stored.id;
            li.append(hidden);
            li.classList.add('c-done');
          } else {
            fail(xhr.status === 413 ? box.dataset.tooLarge : xhr.status === 415 ? box.dataset.badType : box.dataset.failed);
          }
        });
        xhr.addEventListener('error', () => { li.classList.remove('c-uploading'); progress.remove(); fail(box.dataset.failed); });
        xhr.send(body);
      };
      input.addEventListener('change', () => { add([...input.files]); input.value = ''; });
      drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('c-over'); });
      drop.addEventListener('dragleave', () => drop.classList.remove('c-over'));
      drop.addEventListener('drop', e => { e.preventDefault(); drop.classList.remove('c-over'); add([...e.dataTransfer.files]); });
    });
  }

  function setUp(root) {
    localTimes(root);
    countdowns(root);
    counters(root);
    forms(root);
    uploaders(root);
  }

  // ---- live regions -----------------------------------------------------------------------------------------
  // Told that something changed, the page re-reads itself and swaps each live region, except one holding a form the
  // person has started to fill in: that one stays as it is, and a notice says the page changed around it.
  let refreshing = null;
  async function refresh() {
    if (refreshing) { refreshing.again = true; return; }
    refreshing = { again: false };
    try {
      const url = new URL(location.href);
      url.searchParams.delete('done');
      const response = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok || response.redirected) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      let keptForm = false;
      document.querySelectorAll('[data-live]').forEach(region => {
        const replacement = fresh.querySelector(`[data-live="${region.dataset.live}"]`);
        if (!replacement) return;
        if (region.querySelector('form[data-dirty]')) { keptForm = true; return; }
        const open = [...region.querySelectorAll('details[open]')].map(d => d.id || d.dataset.testid).filter(Boolean);
        const closed = [...region.querySelectorAll('details:not([open])')].map(d => d.id || d.dataset.testid).filter(Boolean);
        replacement.querySelectorAll('details').forEach(d => {
          const key = d.id || d.dataset.testid;
          if (open.includes(key)) d.open = true;
          if (closed.includes(key)) d.open = false;
        });
        const adopted = document.importNode(replacement, true);
        region.replaceWith(adopted);
        setUp(adopted);
      });
      // "Done: …" spoke of the page before this change.
      document.querySelector('[data-testid="done"]')?.remove();
      const notice = document.querySelector('[data-stale-notice]');
      if (notice && keptForm) notice.hidden = false;
      document.title = fresh.title || document.title;
    } catch {
      // Offline for a moment: the next change (or the reconnect) tries again.
    } finally {
      const again = refreshing.again;
      refreshing = null;
      if (again) refresh();
    }
  }

  const live = document.querySelector('[data-live-url]');
  if (live && window.EventSource) {
    const source = new EventSource(live.dataset.liveUrl);
    let first = true;
    source.addEventListener('changed', refresh);
    // After a dropped connection the stream says "ready" again: whatever happened meanwhile is read once.
    source.addEventListener('ready', () => { if (!first) refresh(); first = false; });
    main.dataset.stream = 'connected';
  }

  setUp(document);
  setInterval(() => countdowns(document), 30000);
  const failure = document.querySelector('[data-focus-first]');
  if (failure) {
    const field = document.querySelector('.c-invalid input, .c-invalid textarea, .c-invalid select');
    (field || failure).focus();
  }
})();
