// Each page's first script (index.html, wallet.html, kiosk.html): registers the service worker and
// asks it to keep this page's files (public/sw.js), and shows the boot screen (#boot, plain html
// while the page's wasm downloads): removed once the app has started; if the app cannot start
// (the connection dropped mid-download), it says so and offers to try again.
(() => {
  const { page, loading } = document.currentScript.dataset;
  document.body.insertAdjacentHTML('afterbegin', `<div id="boot">
    <header class="shell__bar"><h1 class="shell__title">Ingia</h1></header>
    <section class="shell__body" role="status" aria-live="polite">
      <p data-boot="text"></p>
      <progress class="shell__progress"></progress>
      <button class="shell__button" data-boot="retry" hidden onclick="location.reload()">Try again</button>
    </section>
  </div>`);
  document.querySelector('#boot [data-boot=text]').textContent = loading;
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js');
    navigator.serviceWorker.ready.then((r) => r.active.postMessage({ type: 'ingia-keep', page }));
  }
  addEventListener('TrunkApplicationStarted', () => document.getElementById('boot')?.remove());
  const failed = () => {
    const boot = document.getElementById('boot');
    if (!boot) return; // the app is up: its own errors are its own to show
    boot.querySelector('progress')?.remove();
    boot.querySelector('[data-boot=text]').textContent =
      'Ingia could not start: the connection dropped while it was loading. Try again when the network is back.';
    boot.querySelector('[data-boot=retry]').hidden = false;
  };
  addEventListener('unhandledrejection', failed);
  // A module that failed to load or to start (not an image or icon that failed).
  addEventListener('error', (e) => (e instanceof ErrorEvent || e.target?.tagName === 'SCRIPT') && failed(), true);
})();
