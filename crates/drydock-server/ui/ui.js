// drydock web UI: what every page shares. Plain JavaScript, no framework, no build step.
//
// Every string from the API is hostile (package names, paths, messages and references come
// from scanned images): the DOM is built with createElement and text nodes only, never by
// parsing HTML, and links are only ever this server's own pages with encoded parameters.
"use strict";

const DD = (() => {
  const KEY = "drydock-token";
  const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", "NONE"];
  const MAX_ROWS = 2000;

  class AuthError extends Error {}

  // `#token=…` (for automation: the fragment never reaches the server) moves into
  // sessionStorage and out of the URL and the history.
  function takeFragmentToken() {
    if (!location.hash.startsWith("#")) return;
    const params = new URLSearchParams(location.hash.slice(1));
    const t = params.get("token");
    if (t === null) return;
    if (t.trim() !== "") sessionStorage.setItem(KEY, t.trim());
    history.replaceState(null, "", location.pathname + location.search);
  }

  function token() {
    return sessionStorage.getItem(KEY);
  }

  // GET a JSON API path with the bearer token. 401/403 show the token form and throw
  // AuthError; other failures throw an Error with the server's message.
  async function api(path) {
    const headers = { Accept: "application/json" };
    const t = token();
    if (t) headers.Authorization = "Bearer " + t;
    const r = await fetch(path, { headers, credentials: "omit", cache: "no-store" });
    let body = null;
    try {
      body = await r.json();
    } catch (_) {
      body = null;
    }
    const message = body && typeof body.error === "string" ? body.error : r.statusText;
    if (r.status === 401 || r.status === 403) {
      showAuth(r.status, message);
      throw new AuthError(message);
    }
    if (!r.ok) throw new Error(r.status + ": " + message);
    return body;
  }

  function showAuth(status, message) {
    const text =
      status === 401
        ? "401 Unauthorized: " + message + ". Give a token with the read scope."
        : "403 Forbidden: " + message + ". This token cannot read the store; give one with the read scope.";
    byId("auth-message").textContent = text;
    byId("auth").hidden = false;
    byId("forget").hidden = !token();
    clear(byId("main"));
    byId("token-input").focus();
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  // el("a", {href: "/", class: "x", onclick: f}, "text", child…): attributes by setAttribute,
  // `on…` as event listeners (functions only), strings as text nodes.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else if (k === "checked" || k === "value" || k === "selected") node[k] = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    for (const c of children) {
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // Links to this server's pages only.
  const href = {
    image: (digest) => "/ui/image?digest=" + encodeURIComponent(digest),
    vulnerability: (id) => "/ui/vulnerability?id=" + encodeURIComponent(id),
  };

  function sevRank(s) {
    const i = SEVERITIES.indexOf(String(s).toUpperCase());
    return i < 0 ? SEVERITIES.length : i;
  }

  function sev(s) {
    const name = String(s || "UNKNOWN").toUpperCase();
    const known = SEVERITIES.includes(name) ? name.toLowerCase() : "unknown";
    return el("span", { class: "sev sev-" + known }, name);
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  // Seconds since the epoch as `YYYY-MM-DD HH:MM UTC`.
  function time(epoch) {
    if (typeof epoch !== "number" || !isFinite(epoch)) return "";
    const d = new Date(epoch * 1000);
    return (
      d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC"
    );
  }

  function day(epoch) {
    return time(epoch).slice(0, 10);
  }

  // A purl's package name (`pkg:deb/debian/libssl3@3.0.11?arch=amd64` -> `libssl3`).
  function purlName(purl) {
    if (!purl) return "";
    let p = String(purl).split(/[?#]/)[0];
    const at = p.lastIndexOf("@");
    if (at > p.lastIndexOf("/")) p = p.slice(0, at);
    const name = p.slice(p.lastIndexOf("/") + 1);
    try {
      return decodeURIComponent(name);
    } catch (_) {
      return name;
    }
  }

  function shortDigest(d) {
    const s = String(d || "");
    const i = s.indexOf(":");
    return i >= 0 && s.length > i + 13 ? s.slice(0, i + 13) + "…" : s;
  }

  // What an image is called: its first reference, else its path, else its digest.
  function imageName(row) {
    if (row.references && row.references.length) return row.references[0];
    if (row.target_path) return row.target_path;
    return shortDigest(row.digest);
  }

  // Image names by digest, from GET /api/v1/images: what pages whose rows carry only a digest
  // and references (findings, deltas) show for a root filesystem or an SBOM.
  async function imageNames() {
    const rows = await api("/api/v1/images");
    return new Map(rows.map((r) => [r.digest, imageName(r)]));
  }

  function imageLink(digest, references, fallback) {
    const refs = references || [];
    const name = refs.length ? refs[0] : fallback || shortDigest(digest);
    return el(
      "span",
      { class: "image-name" },
      el("a", { href: href.image(digest), title: digest }, name),
      refs.length > 1 ? el("span", { class: "muted" }, " +" + (refs.length - 1)) : null
    );
  }

  function vulnLink(id) {
    return el("a", { href: href.vulnerability(id), class: "vuln-id" }, id);
  }

  function count(n) {
    return typeof n === "number" ? n.toLocaleString("en") : "0";
  }

  // A sortable table. columns: [{label, value: row => sort key, cell: row => node|string,
  // class}]. Returns {node, set(rows)}; at most MAX_ROWS rows are drawn.
  function table(columns, options) {
    const opts = options || {};
    let sortBy = opts.sort === undefined ? -1 : opts.sort;
    let desc = !!opts.desc;
    let rows = [];
    const tbody = el("tbody");
    const note = el("p", { class: "muted table-note" });
    const heads = columns.map((c, i) =>
      el(
        "th",
        { class: c.class, scope: "col" },
        c.value
          ? el("button", { type: "button", class: "sort", onclick: () => resort(i) }, c.label)
          : c.label
      )
    );
    const node = el(
      "div",
      { class: "table-wrap" },
      el("table", { class: opts.class || "data" }, el("thead", {}, el("tr", {}, heads)), tbody),
      note
    );

    function resort(i) {
      if (sortBy === i) desc = !desc;
      else {
        sortBy = i;
        desc = !!columns[i].desc;
      }
      draw();
    }

    function draw() {
      heads.forEach((h, i) => {
        h.setAttribute("aria-sort", i === sortBy ? (desc ? "descending" : "ascending") : "none");
      });
      let sorted = rows;
      if (sortBy >= 0) {
        const key = columns[sortBy].value;
        sorted = rows
          .map((r, i) => [key(r), i, r])
          .sort((a, b) => {
            const c = compare(a[0], b[0]);
            return (desc ? -c : c) || a[1] - b[1];
          })
          .map((x) => x[2]);
      }
      clear(tbody);
      const shown = sorted.slice(0, MAX_ROWS);
      for (const r of shown) {
        tbody.appendChild(el("tr", {}, columns.map((c) => el("td", { class: c.class }, c.cell(r)))));
      }
      if (!rows.length) {
        tbody.appendChild(
          el("tr", {}, el("td", { colspan: columns.length, class: "empty" }, opts.empty || "Nothing."))
        );
      }
      note.textContent =
        sorted.length > shown.length ? "Showing the first " + shown.length + " of " + sorted.length + " rows." : "";
    }

    return {
      node,
      set(r) {
        rows = r;
        draw();
      },
    };
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), "en", { numeric: true });
  }

  // Chips of counts by severity: {CRITICAL: 2, …}.
  function severityCounts(bySeverity) {
    return el(
      "ul",
      { class: "sev-counts" },
      SEVERITIES.filter((s) => s !== "NONE").map((s) =>
        el("li", { class: "sev-count sev-" + s.toLowerCase() }, el("span", { class: "n" }, count(bySeverity[s] || 0)), " " + s.toLowerCase())
      )
    );
  }

  function section(title, ...children) {
    return el("section", { class: "card" }, el("h2", {}, title), children);
  }

  function params() {
    return new URLSearchParams(location.search);
  }

  // Runs a page: takes the fragment token, wires the token form, calls render(main) and marks
  // <body data-ready> when done (`1`, `auth` or `error`) for tests and automation.
  function run(title, render) {
    takeFragmentToken();
    byId("token-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const t = byId("token-input").value.trim();
      if (t) {
        sessionStorage.setItem(KEY, t);
        location.reload();
      }
    });
    const forget = byId("forget");
    forget.hidden = !token();
    forget.addEventListener("click", () => {
      sessionStorage.removeItem(KEY);
      location.reload();
    });
    if (title) document.title = title + " · drydock";
    const main = byId("main");
    Promise.resolve()
      .then(() => render(main))
      .then(
        () => {
          document.body.dataset.ready = "1";
        },
        (e) => {
          if (e instanceof AuthError) {
            document.body.dataset.ready = "auth";
            return;
          }
          clear(main).appendChild(el("p", { class: "error" }, "Could not load this page: " + (e && e.message ? e.message : String(e))));
          document.body.dataset.ready = "error";
        }
      );
  }

  // Replaces main's content with the page's.
  function show(main, ...children) {
    clear(main);
    append(main, children);
  }

  return {
    SEVERITIES,
    api,
    el,
    svg,
    clear,
    append,
    href,
    sev,
    sevRank,
    time,
    day,
    purlName,
    shortDigest,
    imageName,
    imageNames,
    imageLink,
    vulnLink,
    count,
    table,
    severityCounts,
    section,
    params,
    run,
    show,
  };
})();
