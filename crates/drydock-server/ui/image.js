// One image's latest scan: header, findings (filters, search), packages (search), layers.
"use strict";

DD.run("Image", async (main) => {
  const { el } = DD;
  const digest = DD.params().get("digest");
  if (!digest) {
    DD.show(main, el("h1", {}, "Image"), el("p", {}, "No image given: pick one on the ", el("a", { href: "/" }, "overview"), "."));
    return;
  }
  const d = await DD.api("/api/v1/images/" + encodeURIComponent(digest));
  const img = d.image;
  document.title = DD.imageName(img) + " · drydock";

  const unsuppressed = d.findings.filter((f) => !f.suppressed);
  const bySeverity = {};
  for (const f of unsuppressed) bySeverity[f.severity] = (bySeverity[f.severity] || 0) + 1;

  DD.show(
    main,
    el("p", { class: "crumbs" }, el("a", { href: "/" }, "Overview"), " / image"),
    el("h1", { class: "break" }, DD.imageName(img)),
    header(d),
    DD.severityCounts(bySeverity),
    el(
      "nav",
      { class: "tabs" },
      el("a", { href: "#findings" }, "Findings (" + d.findings.length + ")"),
      el("a", { href: "#packages" }, "Packages (" + d.packages.length + ")"),
      el("a", { href: "#layers" }, "Layers (" + d.layers.length + ")")
    ),
    findings(d.findings, DD.params()),
    packages(d.packages),
    layers(d.layers)
  );
});

function header(d) {
  const { el } = DD;
  const img = d.image;
  const rows = [
    ["Digest", el("code", { class: "break" }, img.digest), " (" + img.digest_kind + ")"],
    ["References", img.references.length ? el("ul", { class: "plain" }, img.references.map((r) => el("li", { class: "break" }, r))) : el("span", { class: "muted" }, "none")],
    ["Scanned as", d.target_kind + " ", el("code", { class: "break" }, img.target_path)],
    ["OS", img.os || el("span", { class: "muted" }, "not detected")],
    d.config_digest ? ["Config", el("code", { class: "break" }, d.config_digest)] : null,
    ["Analyzer", d.analyzer],
    ["Advisory database", el("code", {}, img.db_version), " (matched " + DD.time(d.matched_at) + ")"],
    ["Scanned", "first " + DD.time(d.first_scanned) + ", last " + DD.time(img.last_scanned)],
    ["Contents", DD.count(img.packages) + " packages, " + DD.count(img.findings) + " unsuppressed findings"],
  ];
  return el(
    "dl",
    { class: "facts", id: "image-facts" },
    rows.filter(Boolean).map(([k, ...v]) => [el("dt", {}, k), el("dd", {}, v)])
  );
}

// The filters start from the page's query (`q`, `kind`, `severity=HIGH,CRITICAL`,
// `suppressed=1`), so a filtered view can be linked.
function findings(all, query) {
  const { el } = DD;
  const severities = DD.SEVERITIES.filter((s) => all.some((f) => f.severity === s));
  const kinds = [...new Set(all.map((f) => f.kind))].sort();
  const asked = (query.get("severity") || "").toUpperCase().split(",").filter((s) => severities.includes(s));
  const state = {
    severities: new Set(asked.length ? asked : severities),
    kind: kinds.includes(query.get("kind")) ? query.get("kind") : "",
    text: (query.get("q") || "").trim(),
    suppressed: query.get("suppressed") === "1",
  };

  const list = DD.table(
    [
      { label: "Severity", value: (f) => DD.sevRank(f.severity), cell: (f) => DD.sev(f.severity) },
      {
        label: "ID",
        value: (f) => f.id,
        cell: (f) => [
          f.kind === "vulnerability" ? DD.vulnLink(f.id) : el("code", {}, f.id),
          f.aliases && f.aliases.length
            ? el("div", { class: "aliases" }, f.aliases.map((a, i) => [i ? ", " : "", f.kind === "vulnerability" ? DD.vulnLink(a) : a]))
            : null,
        ],
      },
      { label: "Kind", value: (f) => f.kind, cell: (f) => f.kind },
      { label: "Package", value: (f) => DD.purlName(f.package), cell: (f) => (f.package ? el("span", { title: f.package, class: "break" }, DD.purlName(f.package)) : "") },
      { label: "Installed", value: (f) => f.installed_version || "", cell: (f) => f.installed_version || "", class: "version" },
      { label: "Fixed", value: (f) => f.fixed_version || "", cell: (f) => f.fixed_version || el("span", { class: "muted" }, f.kind === "vulnerability" ? "no fix" : ""), class: "version" },
      {
        label: "Finding",
        value: (f) => f.title,
        cell: (f) => [
          el("div", { class: "title" }, f.title),
          f.message && f.message !== f.title ? el("div", { class: "message" }, f.message) : null,
          f.location ? el("div", { class: "location break" }, f.location) : null,
        ],
        class: "wide",
      },
      {
        label: "Status",
        value: (f) => (f.suppressed ? "suppressed" : f.status || ""),
        cell: (f) =>
          f.suppressed
            ? el("span", { class: "suppressed", title: f.suppressed.by }, "suppressed: " + f.suppressed.reason)
            : f.status || "",
      },
    ],
    { sort: 0, empty: "No finding matches these filters." }
  );

  const shown = el("span", { class: "muted", id: "findings-shown" });
  function apply() {
    const text = state.text.toLowerCase();
    const rows = all.filter(
      (f) =>
        state.severities.has(f.severity) &&
        (!state.kind || f.kind === state.kind) &&
        (state.suppressed || !f.suppressed) &&
        (!text ||
          [f.id, f.package, f.title, f.message, f.location, f.installed_version, f.fixed_version, ...(f.aliases || [])]
            .some((s) => s && String(s).toLowerCase().includes(text)))
    );
    list.set(rows);
    shown.textContent = rows.length + " of " + all.length + " shown";
  }

  const filters = el(
    "div",
    { class: "filters", id: "finding-filters" },
    el(
      "fieldset",
      {},
      el("legend", {}, "Severity"),
      severities.map((s) =>
        el(
          "label",
          { class: "check" },
          el("input", {
            type: "checkbox",
            checked: state.severities.has(s),
            value: s,
            onchange: (e) => {
              if (e.target.checked) state.severities.add(s);
              else state.severities.delete(s);
              apply();
            },
          }),
          " ",
          DD.sev(s)
        )
      )
    ),
    el(
      "label",
      {},
      "Kind ",
      el(
        "select",
        { id: "kind-filter", onchange: (e) => { state.kind = e.target.value; apply(); } },
        el("option", { value: "" }, "all"),
        kinds.map((k) => el("option", { value: k, selected: k === state.kind }, k))
      )
    ),
    el(
      "label",
      { class: "check" },
      el("input", { type: "checkbox", id: "show-suppressed", checked: state.suppressed, onchange: (e) => { state.suppressed = e.target.checked; apply(); } }),
      " suppressed (" + all.filter((f) => f.suppressed).length + ")"
    ),
    el("input", {
      type: "search",
      id: "finding-search",
      value: state.text,
      placeholder: "id, package, text, path…",
      "aria-label": "Search findings",
      oninput: (e) => { state.text = e.target.value.trim(); apply(); },
    }),
    shown
  );
  apply();
  return el("section", { class: "card", id: "findings" }, el("h2", {}, "Findings"), filters, list.node);
}

function packages(all) {
  const { el } = DD;
  const list = DD.table(
    [
      { label: "Name", value: (p) => p.name, cell: (p) => el("span", { class: "break" }, p.name) },
      { label: "Version", value: (p) => p.version, cell: (p) => p.version, class: "version" },
      { label: "Type", value: (p) => p.ecosystem, cell: (p) => p.class + " · " + p.ecosystem },
      { label: "Source", value: (p) => p.source_name || "", cell: (p) => (p.source_name ? p.source_name + (p.source_version ? " " + p.source_version : "") : "") },
      { label: "Layer", value: (p) => p.layer, cell: (p) => String(p.layer), class: "num" },
      { label: "Location", value: (p) => p.location, cell: (p) => el("span", { class: "break" }, p.location) },
      { label: "purl", value: (p) => p.purl, cell: (p) => el("code", { class: "break small" }, p.purl) },
    ],
    { sort: 0, empty: "No package matches." }
  );
  const shown = el("span", { class: "muted" });
  function apply(text) {
    const t = text.toLowerCase();
    const rows = all.filter((p) => !t || [p.name, p.version, p.purl, p.source_name, p.location].some((s) => s && s.toLowerCase().includes(t)));
    list.set(rows);
    shown.textContent = rows.length + " of " + all.length + " shown";
  }
  apply("");
  return el(
    "section",
    { class: "card", id: "packages" },
    el("h2", {}, "Packages"),
    el(
      "div",
      { class: "filters" },
      el("input", { type: "search", id: "package-search", placeholder: "name, version, purl…", "aria-label": "Search packages", oninput: (e) => apply(e.target.value.trim()) }),
      shown
    ),
    list.node
  );
}

function layers(all) {
  const { el } = DD;
  const list = DD.table(
    [
      { label: "#", value: (l) => l.index, cell: (l) => String(l.index), class: "num" },
      { label: "Blob digest", cell: (l) => el("code", { class: "break small" }, l.digest || "—") },
      { label: "Diff id", cell: (l) => el("code", { class: "break small" }, l.diff_id || "—") },
    ],
    { sort: 0, empty: "No layers (a root filesystem or an SBOM)." }
  );
  list.set(all);
  return el("section", { class: "card", id: "layers" }, el("h2", {}, "Layers"), list.node);
}
