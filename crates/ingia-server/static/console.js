// The organizer console's only script (the pages work without it): an invite link's code,
// which travels in the #fragment so no server or proxy log sees it, fills the join form; a form
// that undoes something (revoking a device, reissuing a ticket) asks first; Print prints; the
// live board swaps in each board its stream sends (the server draws it; EventSource reconnects
// by itself, and the first board after a reconnect is a fresh read), in the page's language
// (the sentences come in the page's data- attributes).
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
  // The language picker applies itself when chosen (its button stays for a page without script).
  for (const select of document.querySelectorAll('select[data-autosubmit]')) {
    select.addEventListener('change', () => select.form.submit());
    const button = select.form.querySelector('button');
    if (button) button.hidden = true;
  }
  const board = document.getElementById('board');
  if (board && board.dataset.stream && window.EventSource) {
    const state = document.getElementById('live-state');
    // The browser reconnects by itself after a dropped connection; an answer it cannot use (the
    // server restarting behind a proxy: 502) closes the source, so it is opened again here.
    const connect = () => {
      const source = new EventSource(board.dataset.stream);
      source.addEventListener('board', (e) => {
        board.innerHTML = e.data;
        // The time in the event's zone, as the board's own times are.
        const at = new Date().toLocaleTimeString('en-GB', { timeZone: state.dataset.zone || undefined });
        state.textContent = state.dataset.live.replace('{time}', at);
        state.dataset.state = 'live';
      });
      source.addEventListener('error', () => {
        state.textContent = state.dataset.lost;
        state.dataset.state = 'lost';
        if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
      });
    };
    connect();
  }
});
