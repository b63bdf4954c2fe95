"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const { PlanForm, DEFAULT_PLAN, fmt, el, extraNumbers, labelOf, brokenRulesBanner, regionsOf } = Resurfacer;
  // the broken safety rules of a summary, each with its region(s): "rule (region)"
  const warningsOf = (s) => (s.broken_rules || []).map((r) => `${r.rule} (${regionsOf(r)})`);
  const views = {};
  const planB = structuredClone(DEFAULT_PLAN);
  planB.name = "CO2 dual, full face, deeper";
  planB.passes[1].pulse_energy_mj = 25;
  const show = () => {
    if (!views.a || !views.b) return;
    document.getElementById("comparison").hidden = false;
    const a = views.a.summary;
    const b = views.b.summary;
    const rows = [["session_minutes", "Session time", "min"], ["total_area_cm2", "Treated area", "cm²"],
      ["combined_coverage_percent", "Combined coverage", "%"], ["total_energy_j", "Energy delivered", "J"],
      ["peak_bulk_temperature_c", "Peak bulk temperature", "°C"]];
    const extra = new Map([...extraNumbers(a), ...extraNumbers(b)]);
    for (const k of extra.keys()) { const [l, u] = labelOf(k); rows.unshift([k, l, u]); }
    const value = (s, k) => s[k] ?? new Map(extraNumbers(s)).get(k);
    const n = Math.max(a.passes.length, b.passes.length);
    const passRows = [];
    for (let i = 0; i < n; i++) {
      for (const [k, l, u] of [["ablation_depth_um", "crater depth", "µm"],
        ["coagulation_thickness_um", "coagulation cuff", "µm"]]) {
        passRows.push([`Pass ${i + 1} ${l}`, u, a.passes[i]?.[k], b.passes[i]?.[k]]);
      }
    }
    // the deepest treated area by name, with its own column (not an area-weighted mean)
    const deepest = (s) => (s.regions || []).find((r) => r.name === s.deepest_region);
    const regionRows = [["Deepest area", "", deepest(a)?.name, deepest(b)?.name],
      ["Its coagulation depth", "µm", deepest(a)?.coagulation_depth_um, deepest(b)?.coagulation_depth_um]];
    const all = [...rows.map(([k, l, u]) => [l, u, value(a, k), value(b, k)]), ...regionRows,
      ...passRows];
    const warnCell = (s) => {
      const w = warningsOf(s);
      return el("td", { class: w.length ? "warn" : null, text: w.length ? w.join("; ") : "none" });
    };
    document.getElementById("comparison-table").replaceChildren(
      brokenRulesBanner(a.broken_rules, `Plan A (${a.plan_name}) breaks safety rules:`) || "",
      brokenRulesBanner(b.broken_rules, `Plan B (${b.plan_name}) breaks safety rules:`) || "",
      el("table", { class: "passes-table compare" },
      el("thead", {}, el("tr", {}, ["", a.plan_name, b.plan_name, "B − A"].map((h) => el("th", { text: h })))),
      el("tbody", {},
        el("tr", { "data-row": "warnings" }, el("th", { text: "Warnings (broken safety rules; settings the source cannot deliver)" }),
          warnCell(a), warnCell(b), el("td", { text: "—" })),
        all.map(([label, unit, va, vb]) => el("tr", {},
        el("th", { text: label }), el("td", { text: `${fmt(va)} ${unit}` }),
        el("td", { text: `${fmt(vb)} ${unit}` }),
        el("td", { text: typeof va === "number" && typeof vb === "number" ? `${vb - va >= 0 ? "+" : ""}${fmt(vb - va)} ${unit}` : "—" }))))));
    document.getElementById("report-a").src = views.a.report_url;
    document.getElementById("report-b").src = views.b.report_url;
  };
  const formA = new PlanForm(document.getElementById("form-a"), DEFAULT_PLAN, {
    onResult: (v) => { views.a = v; show(); } });
  const formB = new PlanForm(document.getElementById("form-b"), planB, {
    onResult: (v) => { views.b = v; show(); } });
  window.compareForms = { a: formA, b: formB };
  document.getElementById("copy-a-b").addEventListener("click", () => formB.setPlan(formA.getPlan()));
  document.getElementById("run-both").addEventListener("click", () => {
    formA.run().catch(() => {});
    formB.run().catch(() => {});
  });
});
