// Each page's first script (index.html, wallet.html, kiosk.html): registers the service worker and
// asks it to keep this page's files (public/sw.js), and shows the boot screen (#boot, plain html
// while the page's wasm downloads): removed once the app has started; if the app cannot start
// (the connection dropped mid-download), it says so and offers to try again.
(() => {
  const { page } = document.currentScript.dataset;
  // The boot screen in the reader's language (src/page/lang.rs decides the same way: the choice
  // kept on this device, else the browser's first language Ingia speaks). The sentences are the
  // catalogue's (crates/ingia-core/src/i18n, `starting`, `boot_failed`, `try_again`; a core test
  // checks this copy); English is the page's own.
  const words = {
    fr: ["Démarrage…", "Ingia n'a pas pu démarrer : la connexion a coupé pendant le chargement. Réessayez quand le réseau revient.", "Réessayer"],
    sw: ["Inaanza…", "Ingia haikuweza kuanza: muunganisho ulikatika ilipokuwa ikipakia. Jaribu tena mtandao ukirudi.", "Jaribu tena"],
    pt: ["A iniciar…", "O Ingia não pôde iniciar: a ligação caiu durante o carregamento. Tente de novo quando a rede voltar.", "Tentar de novo"],
    ar: ["جارٍ البدء…", "تعذّر بدء Ingia: انقطع الاتصال أثناء التحميل. حاول مجددًا عند عودة الشبكة.", "حاول مجددًا"],
    am: ["በመጀመር ላይ…", "Ingia መጀመር አልቻለም፦ በመጫን ላይ ሳለ ግንኙነቱ ተቋረጠ። ኔትወርኩ ሲመለስ እንደገና ይሞክሩ።", "እንደገና ይሞክሩ"],
  };
  let tag = '';
  try {
    tag = localStorage.getItem('ingia.lang') || '';
  } catch {}
  tag = [tag, ...(navigator.languages || [])].map((t) => (t || '').split(/[-_]/)[0].toLowerCase())
    .find((t) => t === 'en' || words[t]);
  const [loading, failedText, retryText] = words[tag] || [document.currentScript.dataset.loading,
    'Ingia could not start: the connection dropped while it was loading. Try again when the network is back.', 'Try again'];
  document.body.insertAdjacentHTML('afterbegin', `<div id="boot">
    <header class="shell__bar"><h1 class="shell__title">Ingia</h1></header>
    <section class="shell__body" role="status" aria-live="polite">
      <p data-boot="text"></p>
      <progress class="shell__progress"></progress>
      <button class="shell__button" data-boot="retry" hidden></button>
    </section>
  </div>`);
  document.querySelector('#boot [data-boot=text]').textContent = loading;
  const retry = document.querySelector('#boot [data-boot=retry]');
  retry.textContent = retryText;
  // A listener, not an onclick attribute: the page's Content Security Policy runs no inline code.
  retry.addEventListener('click', () => location.reload());
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js');
    navigator.serviceWorker.ready.then((r) => r.active.postMessage({ type: 'ingia-keep', page }));
  }
  addEventListener('TrunkApplicationStarted', () => document.getElementById('boot')?.remove());
  const failed = () => {
    const boot = document.getElementById('boot');
    if (!boot) return; // the app is up: its own errors are its own to show
    boot.querySelector('progress')?.remove();
    boot.querySelector('[data-boot=text]').textContent = failedText;
    boot.querySelector('[data-boot=retry]').hidden = false;
  };
  addEventListener('unhandledrejection', failed);
  // A module that failed to load or to start (not an image or icon that failed).
  addEventListener('error', (e) => (e instanceof ErrorEvent || e.target?.tagName === 'SCRIPT') && failed(), true);
})();
