// The organizer console's only script (the pages work without it): an invite link's code,
// which travels in the #fragment so no server or proxy log sees it, fills the join form; a form
// that undoes something (revoking a device, reissuing a ticket) asks first; Print prints.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const code = document.getElementById('invite-code');
  if (code && location.hash.length > 1) {
    code.value = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, '', location.pathname);
  }
  for (const b of document.querySelectorAll('[data-print]')) b.addEventListener('click', () => print());
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
});
