// projsecret console: progressive enhancement only. Every form also works
// without this script; with it, actions are sent with fetch and their
// errors shown beside the form, values are fetched only when revealed or
// copied, and tables sort and filter. No inline script anywhere (the
// Content-Security-Policy forbids it): everything hangs off data attributes.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  async function post(url, body) {
    const res = await fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
    });
    return res;
  }

  async function errorText(res) {
    try {
      const j = await res.json();
      if (j && j.error) return j.error;
    } catch (_) { /* not JSON: fall through */ }
    return "Request failed (" + res.status + " " + res.statusText + ")";
  }

  // Forms: send, then follow the server's redirect or show its error in
  // the form's own alert region.
  document.querySelectorAll("form[data-ajax]").forEach(function (form) {
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const out = form.querySelector(".error");
      const button = form.querySelector('button[type="submit"]');
      out.textContent = "";
      out.classList.remove("shown");
      const confirmInput = form.querySelector("[data-confirm]");
      if (confirmInput && confirmInput.value !== confirmInput.dataset.confirm) {
        out.textContent = "Type the key exactly to confirm.";
        out.classList.add("shown");
        confirmInput.focus();
        return;
      }
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      try {
        const res = await post(form.action, new FormData(form));
        if (res.ok) {
          const j = await res.json();
          window.location.assign(j.redirect);
          return;
        }
        out.textContent = await errorText(res);
        out.classList.add("shown");
      } catch (e) {
        out.textContent = "Could not reach the console: " + e.message;
        out.classList.add("shown");
      } finally {
        button.disabled = false;
        form.removeAttribute("aria-busy");
      }
    });
  });

  // Masked text areas: a "Show" checkbox unmasks what is being typed.
  document.querySelectorAll("input[data-unmask]").forEach(function (box) {
    const target = document.getElementById(box.dataset.unmask);
    box.addEventListener("change", function () {
      target.classList.toggle("masked", !box.checked);
    });
  });

  // Values: fetched on demand with a CSRF-checked POST, never cached, and
  // dropped from the page when it is left.
  const MASK = "••••••••";

  async function fetchValue(box) {
    const res = await post(box.dataset.revealUrl, null);
    if (!res.ok) throw new Error(await errorText(res));
    return await res.text();
  }

  function status(box, text, isError) {
    const s = box.querySelector(".status");
    s.textContent = text;
    s.classList.toggle("error-text", !!isError);
  }

  function hide(box) {
    const code = box.querySelector(".secret");
    code.textContent = MASK;
    code.classList.remove("revealed");
    const b = box.querySelector('[data-action="reveal"]');
    b.setAttribute("aria-pressed", "false");
    b.textContent = "Reveal";
  }

  // The project page sends its rows bare: each row's value box is made
  // here, from one template, and reveals at the row's entry URL.
  const boxTemplate = document.getElementById("value-box");
  if (boxTemplate) {
    try {
      document.querySelectorAll("table[data-values] tbody tr[data-key]").forEach(function (row) {
        const box = boxTemplate.content.firstElementChild.cloneNode(true);
        const key = row.dataset.key;
        box.dataset.revealUrl = row.cells[0].firstElementChild.href + "/reveal";
        box.querySelector(".secret").setAttribute("aria-label", "value of " + key);
        box.querySelector('[data-action="reveal"]').setAttribute("aria-label", "Reveal " + key);
        box.querySelector('[data-action="copy"]').setAttribute("aria-label", "Copy " + key);
        row.cells[1].appendChild(box);
      });
    } finally {
      // The rows are laid out once, now (see style.css).
      document.querySelectorAll("tbody.deferred").forEach(function (b) { b.classList.remove("deferred"); });
    }
  }

  // One listener for every value box's buttons.
  document.addEventListener("click", async function (ev) {
    const b = ev.target.closest(".value-box [data-action]");
    if (!b) return;
    const box = b.closest(".value-box");
    status(box, "");
    if (b.dataset.action === "copy") {
      try {
        const v = await fetchValue(box);
        await navigator.clipboard.writeText(v);
        status(box, "Copied");
        setTimeout(function () { status(box, ""); }, 2000);
      } catch (e) {
        status(box, e.message, true);
      }
      return;
    }
    if (b.getAttribute("aria-pressed") === "true") {
      hide(box);
      return;
    }
    try {
      const v = await fetchValue(box);
      const code = box.querySelector(".secret");
      code.textContent = v;
      code.classList.add("revealed");
      b.setAttribute("aria-pressed", "true");
      b.textContent = "Hide";
      if (v === "") status(box, "(empty)");
    } catch (e) {
      status(box, e.message, true);
    }
  });

  // Times carry their exact value as a tooltip.
  document.querySelectorAll("time[datetime]:not([title])").forEach(function (t) {
    t.title = t.dateTime;
  });

  window.addEventListener("pagehide", function () {
    document.querySelectorAll(".value-box").forEach(hide);
  });

  // Tables: sortable columns (th[data-sort]) become buttons; a search box
  // (input[data-filter]) hides rows that do not contain its words.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    const tbody = table.tBodies[0];
    const ths = Array.from(table.tHead.rows[0].cells);
    ths.forEach(function (th, col) {
      if (!th.dataset.sort) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        const asc = th.getAttribute("aria-sort") !== "ascending";
        ths.forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        const rows = Array.from(tbody.rows).filter(function (r) { return r.dataset.key !== undefined; });
        const key = function (r) {
          const c = r.cells[col];
          if (c.dataset.value !== undefined) return c.dataset.value;
          const t = c.querySelector("time");
          return t ? t.dateTime : c.textContent;
        };
        const numeric = th.dataset.sort === "num";
        rows.sort(function (a, b) {
          const x = key(a), y = key(b);
          const d = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { sensitivity: "base", numeric: true });
          return asc ? d : -d;
        });
        rows.forEach(function (r) { tbody.appendChild(r); });
      });
    });
  });

  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    const table = document.getElementById(input.dataset.filter);
    const count = document.getElementById(table.dataset.count);
    const rows = Array.from(table.tBodies[0].rows).filter(function (r) { return r.dataset.key !== undefined; });
    function apply() {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      rows.forEach(function (r) {
        const text = Array.from(r.cells).map(function (c) {
          return c.classList.contains("value-cell") ? "" : (c.dataset.value || c.textContent);
        }).join(" ").toLowerCase();
        const ok = words.every(function (w) { return text.includes(w); });
        r.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = words.length ? shown + " of " + rows.length : "";
    }
    input.addEventListener("input", apply);
    // A value the browser restored (back navigation) applies at once.
    if (input.value) apply();
  });
})();
