// The fleet overview: counts, images by worst severity, the new/resolved trend, the image list.
"use strict";

const TREND_DAYS = 30;

DD.run("Fleet overview", async (main) => {
  const { el } = DD;
  const q = (DD.params().get("q") || "").trim();
  const [ov, images] = await Promise.all([
    DD.api("/api/v1/overview?days=" + TREND_DAYS),
    DD.api("/api/v1/images" + (q ? "?q=" + encodeURIComponent(q) : "")),
  ]);

  const counts = el(
    "div",
    { class: "stats", id: "counts" },
    stat("Images", ov.images, "images"),
    stat("Packages", ov.packages, "packages"),
    stat("Findings", Object.values(ov.findings_by_severity || {}).reduce((a, b) => a + b, 0), "findings"),
    el(
      "div",
      { class: "stat stat-wide", id: "by-severity" },
      el("span", { class: "label" }, "Unsuppressed findings by severity"),
      DD.severityCounts(ov.findings_by_severity || {})
    )
  );

  const list = DD.table(
    [
      { label: "Image", value: (r) => DD.imageName(r), cell: (r) => DD.imageLink(r.digest, r.references, r.target_path) },
      { label: "OS", value: (r) => r.os || "", cell: (r) => r.os || "—" },
      { label: "Packages", value: (r) => r.packages, cell: (r) => DD.count(r.packages), class: "num", desc: true },
      { label: "Findings", value: (r) => r.findings, cell: (r) => DD.count(r.findings), class: "num", desc: true },
      { label: "Critical", value: (r) => r.critical, cell: (r) => nonzero(r.critical, "critical"), class: "num", desc: true },
      { label: "High", value: (r) => r.high, cell: (r) => nonzero(r.high, "high"), class: "num", desc: true },
      { label: "Last scanned", value: (r) => r.last_scanned, cell: (r) => DD.time(r.last_scanned), desc: true },
    ],
    { class: "data", empty: q ? "No image matches “" + q + "”." : "The store holds no scan yet." }
  );
  // Worst first: critical, then high, then all findings.
  list.set(
    images.slice().sort((a, b) => b.critical - a.critical || b.high - a.high || b.findings - a.findings)
  );

  const search = el(
    "form",
    { class: "inline", method: "get", action: "/", role: "search" },
    el("input", { name: "q", type: "search", value: q, placeholder: "reference part or digest prefix", "aria-label": "Search images" }),
    el("button", { type: "submit" }, "Search"),
    q ? el("a", { href: "/", class: "clear" }, "show all") : null
  );

  DD.show(
    main,
    el("h1", {}, "Fleet overview"),
    counts,
    el("div", { class: "grid-2" },
      DD.section("Images by worst severity", worstBars(ov.images_by_worst || {}, ov.images)),
      DD.section("New and resolved findings, last " + TREND_DAYS + " days", trend(ov.trend || []))
    ),
    el(
      "section",
      { class: "card", id: "images" },
      el("div", { class: "card-head" },
        el("h2", {}, q ? "Images matching “" + q + "” (" + images.length + ")" : "Images (" + images.length + ")"),
        search
      ),
      list.node
    )
  );

  function stat(label, n, id) {
    return el("div", { class: "stat", id: "stat-" + id }, el("span", { class: "n" }, DD.count(n)), el("span", { class: "label" }, label));
  }

  function nonzero(n, severity) {
    return n ? el("span", { class: "sev-text sev-text-" + severity }, DD.count(n)) : "0";
  }
});

// One bar per severity: how many images have that as their worst finding.
function worstBars(byWorst, total) {
  const { el } = DD;
  const max = Math.max(1, ...Object.values(byWorst));
  return el(
    "table",
    { class: "bars", id: "worst" },
    el(
      "tbody",
      {},
      DD.SEVERITIES.map((s) => {
        const n = byWorst[s] || 0;
        const bar = el("span", { class: "bar sev-" + s.toLowerCase() });
        bar.style.width = (100 * n) / max + "%";
        return el(
          "tr",
          {},
          el("th", { scope: "row" }, s === "NONE" ? "no findings" : s.toLowerCase()),
          el("td", { class: "bar-cell" }, bar),
          el("td", { class: "num" }, DD.count(n))
        );
      })
    ),
    el("caption", { class: "muted" }, DD.count(total) + " images by their worst unsuppressed finding")
  );
}

// New findings up, resolved down, one column per UTC day (an inline SVG built node by node).
function trend(days) {
  const { el, svg } = DD;
  const byDay = new Map(days.map((d) => [d.day, d]));
  const today = Math.floor(Date.now() / 1000 / 86400) * 86400;
  const series = [];
  for (let i = TREND_DAYS - 1; i >= 0; i--) {
    const day = today - i * 86400;
    const d = byDay.get(day) || { day, new: 0, resolved: 0 };
    series.push(d);
  }
  const totalNew = days.reduce((a, d) => a + d.new, 0);
  const totalResolved = days.reduce((a, d) => a + d.resolved, 0);
  const W = 600, H = 150, mid = H / 2, pad = 4, step = W / TREND_DAYS;
  const max = Math.max(1, ...series.map((d) => Math.max(d.new, d.resolved)));
  const scale = (n) => (n / max) * (mid - pad);
  const chart = svg("svg", { viewBox: "0 0 " + W + " " + (H + 18), class: "trend", role: "img", "aria-label": "New and resolved findings per day" });
  chart.appendChild(svg("line", { x1: 0, x2: W, y1: mid, y2: mid, class: "axis" }));
  series.forEach((d, i) => {
    const x = i * step + 2, w = step - 4;
    const g = svg("g", {}, svg("title", {}, DD.day(d.day) + ": " + d.new + " new, " + d.resolved + " resolved"));
    g.appendChild(svg("rect", { x, y: 0, width: step, height: H, class: "hover" }));
    if (d.new) g.appendChild(svg("rect", { x, y: mid - scale(d.new), width: w, height: scale(d.new), class: "new" }));
    if (d.resolved) g.appendChild(svg("rect", { x, y: mid, width: w, height: scale(d.resolved), class: "resolved" }));
    chart.appendChild(g);
  });
  chart.appendChild(svg("text", { x: 0, y: H + 14, class: "tick" }, DD.day(series[0].day)));
  chart.appendChild(svg("text", { x: W, y: H + 14, class: "tick end" }, DD.day(series[series.length - 1].day)));
  return el(
    "div",
    { id: "trend" },
    el(
      "p",
      { class: "legend" },
      el("span", { class: "key new" }), " " + DD.count(totalNew) + " new  ",
      el("span", { class: "key resolved" }), " " + DD.count(totalResolved) + " resolved",
      el("span", { class: "muted" }, " (by ", el("code", {}, "drydock store rematch"), "; see ", el("a", { href: "/ui/deltas?since=30d" }, "deltas"), ")")
    ),
    chart
  );
}
