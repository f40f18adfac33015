// Findings that became new or resolved since a time (`drydock store rematch`), by change.
"use strict";

const PRESETS = [
  ["24h", "last 24 hours", 86400],
  ["7d", "last 7 days", 7 * 86400],
  ["30d", "last 30 days", 30 * 86400],
];

DD.run("Deltas", async (main) => {
  const { el } = DD;
  const asked = (DD.params().get("since") || "24h").trim();
  const preset = PRESETS.find((p) => p[0] === asked);
  // A preset is relative to now; anything else (epoch seconds, RFC 3339) goes to the API as is.
  const since = preset ? String(Math.floor(Date.now() / 1000) - preset[2]) : asked;
  const [rows, names] = await Promise.all([DD.api("/api/v1/deltas?since=" + encodeURIComponent(since)), DD.imageNames()]);
  const sinceText = /^\d+$/.test(since) ? DD.time(Number(since)) : since;

  const select = el(
    "select",
    { name: "since", id: "since", onchange: (e) => e.target.form.submit() },
    PRESETS.map(([v, label]) => el("option", { value: v, selected: v === asked }, label)),
    preset ? null : el("option", { value: asked, selected: true }, "since " + sinceText)
  );
  const form = el(
    "form",
    { class: "inline", method: "get", action: "/ui/deltas" },
    el("label", { for: "since" }, "Changes in the "),
    select,
    el("button", { type: "submit" }, "Show")
  );

  const fresh = rows.filter((r) => r.change === "new");
  const resolved = rows.filter((r) => r.change === "resolved");
  DD.show(
    main,
    el("h1", {}, "Deltas"),
    form,
    el(
      "p",
      { id: "delta-summary" },
      fresh.length + " new and " + resolved.length + " resolved finding" + (resolved.length === 1 ? "" : "s") +
        " since " + sinceText + ", recorded by ",
      el("code", {}, "drydock store rematch"),
      " when the advisory database changed."
    ),
    group("New", "new", fresh, names, "Nothing became vulnerable in this window."),
    group("Resolved", "resolved", resolved, names, "Nothing was resolved in this window.")
  );
});

function group(title, id, rows, names, empty) {
  const { el } = DD;
  const list = DD.table(
    [
      { label: "When", value: (r) => r.at, cell: (r) => DD.time(r.at), desc: true },
      { label: "Severity", value: (r) => DD.sevRank(r.severity), cell: (r) => DD.sev(r.severity) },
      { label: "Finding", value: (r) => r.finding_id, cell: (r) => DD.vulnLink(r.finding_id) },
      { label: "Package", value: (r) => DD.purlName(r.package), cell: (r) => el("span", { title: r.package, class: "break" }, DD.purlName(r.package)) },
      { label: "Installed", value: (r) => r.installed_version || "", cell: (r) => r.installed_version || "", class: "version" },
      { label: "Fixed", value: (r) => r.fixed_version || "", cell: (r) => r.fixed_version || el("span", { class: "muted" }, "no fix"), class: "version" },
      { label: "Image", value: (r) => names.get(r.digest) || r.digest, cell: (r) => DD.imageLink(r.digest, r.references, names.get(r.digest)) },
      { label: "Advisory database", value: (r) => r.db_version, cell: (r) => el("code", { class: "small" }, r.db_version) },
    ],
    { sort: 1, empty }
  );
  list.set(rows);
  return el(
    "section",
    { class: "card delta-" + id, id: "deltas-" + id },
    el("h2", {}, title + " (" + rows.length + ")"),
    list.node
  );
}
