// The token dashboard (/dashboard): its one script (no inline script: the page's CSP).
// The organizer token travels in the URL fragment, which browsers never send to the server.
const token = location.hash.slice(1);
const $ = (id) => document.getElementById(id);
// The page's sentences, in its language (the server filled them in).
const say = $("main").dataset;
const fill = (template, values) => template.replace(/\{([a-z]+)\}/g, (all, k) => (k in values ? values[k] : all));
async function refresh() {
  if (!token) { $("error").textContent = say.openLink; return; }
  try {
    const r = await fetch("/api/stats", { headers: { Authorization: "Bearer " + token } });
    const body = await r.json();
    if (!r.ok) { $("error").textContent = body.error ? body.error.message : "error " + r.status; return; }
    $("error").textContent = "";
    $("in").textContent = body.checked_in; $("total").textContent = body.total;
    $("fill").style.width = (body.total ? (100 * body.checked_in / body.total) : 0) + "%";
    $("conflicts").textContent = body.conflicts;
    $("doubted").textContent = body.doubted;
    $("alerts").replaceChildren(...(body.alerts.length ? body.alerts : [null]).map((a) => {
      const li = document.createElement("li");
      li.textContent = a ? new Date(a.at).toLocaleTimeString(document.documentElement.lang) + " " + a.detail : say.none;
      if (a && a.device != null) li.dataset.device = a.device;
      return li;
    }));
    $("updated").textContent = new Date().toLocaleTimeString(document.documentElement.lang);
    $("gates").replaceChildren(...body.gates.map((g) => {
      const tr = document.createElement("tr");
      for (const v of [g.name, g.admitted, g.refused]) { const td = document.createElement("td"); td.textContent = v; tr.append(td); }
      return tr;
    }));
    $("minutes").textContent = body.per_minute.length === 0 ? say.noAdmissions : body.per_minute.map(([m, n]) => new Date(m).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" }) + " " + "█".repeat(Math.min(n, 60)) + " " + n).join("\n");
  } catch (e) { $("error").textContent = say.offline; }
}
$("annul").addEventListener("submit", async (e) => {
  e.preventDefault();
  const device = Number($("annul-device").value), since = new Date($("annul-since").value).getTime();
  if (!confirm(fill(say.confirm, { device, since: new Date(since).toLocaleString(document.documentElement.lang) }))) return;
  $("annul-result").textContent = say.working;
  try {
    const r = await fetch("/api/devices/annul", { method: "POST", headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" }, body: JSON.stringify({ device, since_ms: since }) });
    const body = await r.json();
    $("annul-result").textContent = r.ok ? fill(say.annulled, { device: body.device, n: body.annulled }) : (body.error ? body.error.message : "error " + r.status);
    refresh();
  } catch (err) { $("annul-result").textContent = say.annulOffline; }
});
refresh(); setInterval(refresh, 5000);
