/* resurfacer web planner: "Suggest settings". Asks the planner (POST /api/plan) for
   settings that reach an indication's target depth with the least downtime, shows
   the ranked plans and their trade-off, and hands a chosen plan to the plan form.
   Plain JavaScript, no framework, no external resources. */
"use strict";

const Suggest = (() => {
  const { el, field, select, numberInput, numberOf, presets, SEXES, runJob,
    statusText, showFieldErrors, clearFieldErrors, setProgressIn, brokenRulesBanner, fmt, days, dayBand, areaRow,
    numberAreas, patientFieldset } = Resurfacer;

  const num = (v) => String(Number(Number(v).toPrecision(4))); // no thousands separator
  const PHOTOTYPES = [1, 2, 3, 4, 5, 6].map((n) => [n, `Type ${"I II III IV V VI".split(" ")[n - 1]}`]);

  class SuggestForm {
    constructor(root, options = {}) {
      this.root = root;
      this.options = options;
      this.ready = presets().then((p) => {
        this.presets = p;
        this.render();
      });
    }

    render() {
      const p = this.presets;
      this.banner = el("div", { class: "banner error-banner", role: "alert", hidden: true });
      this.indication = select(Object.entries(p.indications).map(([k, v]) => [k, v.name]), "acne_scars");
      const target = el("small", { class: "hint", "data-role": "target" });
      const syncTarget = () => {
        const t = p.indications[this.indication.value];
        target.textContent = `target: ${t.metric.replace(/_/g, " ")} ${num(t.min_um)}–${num(t.max_um)} µm, ` +
          `coverage ≥ ${num(t.min_coverage_percent)} %`;
      };
      this.indication.addEventListener("change", syncTarget);
      this.sex = select(SEXES, "female");
      this.age = numberInput(45, { min: 18, max: 100 });
      this.phototype = select(PHOTOTYPES, 2);
      this.device = select([["", "Planner's choice"],
        ...Object.entries(p.devices).map(([k, d]) => [k, d.name])], "");
      this.downtime = numberInput("", { min: 0, max: 365, placeholder: "no limit" });
      this.nBest = numberInput(3, { min: 1, max: p.limits.max_plan_n_best, step: 1 });
      this.areaList = el("div", { class: "rows", "data-path": "areas" });
      const indicationField = field("indication", "Indication", this.indication);
      indicationField.append(target);
      const form = el("form", { class: "suggest-form", novalidate: true, onsubmit: (e) => {
        e.preventDefault();
        this.suggest().catch(() => {});
      } },
      this.banner,
      el("fieldset", {}, el("legend", { text: "Regions" }),
        this.areaList,
        el("div", { class: "error", role: "alert" }),
        el("button", { type: "button", class: "secondary small", text: "+ Add region",
          onclick: () => this.addArea({ site: "forehead", area_cm2: 50 }) })),
      el("fieldset", {}, el("legend", { text: "Indication" }), indicationField),
      patientFieldset(this.sex, this.age, this.phototype),
      el("fieldset", {}, el("legend", { text: "Options" }),
        el("div", { class: "grid3" },
          field("device", "Device", this.device),
          field("max_downtime_days", "Longest downtime (days)", this.downtime, "blank: no limit"),
          field("n_best", "Plans to propose", this.nBest, `1–${p.limits.max_plan_n_best}`))),
      el("div", { class: "actions" },
        el("button", { type: "submit", class: "primary", text: "Suggest plans", "data-role": "run" }),
        el("div", { class: "progress", hidden: true },
          el("div", { class: "bar" }, el("span")),
          el("span", { class: "status", "aria-live": "polite" }))));
      this.root.replaceChildren(form);
      this.addArea({ site: "cheek", area_cm2: 50 });
      syncTarget();
    }

    addArea(area) {
      this.areaList.append(areaRow(area, this.presets.sites, () => numberAreas(this.areaList)));
      numberAreas(this.areaList);
    }

    /* The planner request (POST /api/plan) the form describes. */
    getRequest() {
      const request = {
        indication: this.indication.value,
        patient: { sex: this.sex.value, age_years: numberOf(this.age.value),
          phototype: numberOf(this.phototype.value) },
        areas: [...this.areaList.children].map((r) => r._read()),
        n_best: numberOf(this.nBest.value) ?? 3,
      };
      if (this.device.value) request.device = this.device.value;
      const downtime = numberOf(this.downtime.value);
      if (downtime !== undefined) request.max_downtime_days = downtime;
      return request;
    }

    async suggest() {
      clearFieldErrors(this.root, this.banner);
      setProgressIn(this.root, "Submitting…", true);
      try {
        const view = await runJob("/api/plan", this.getRequest(), (v) =>
          setProgressIn(this.root, statusText(v), true, v.status === "running" ? v.progress || 0 : undefined));
        setProgressIn(this.root, view.cached ? "Done (asked before, served from the store)"
          : `Done in ${(view.runtime_s ?? 0).toFixed(1)} s`, false);
        if (this.options.onResult) this.options.onResult(view.result);
        return view.result;
      } catch (err) {
        if (err.detail && Array.isArray(err.detail)) {
          setProgressIn(this.root, "", false);
          showFieldErrors(this.root, this.banner, err.detail, "request");
        } else {
          setProgressIn(this.root, `Failed: ${err.message || err}`, false);
          this.root.querySelector(".progress").classList.add("failed");
        }
        throw err;
      }
    }
  }

  // --- the planner's answer ------------------------------------------------------------

  // the SVG namespace, as the HTML parser gives it to an <svg> element
  const SVG = (() => {
    const t = document.createElement("template");
    t.innerHTML = "<svg></svg>";
    return t.content.firstChild.namespaceURI;
  })();
  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function ticks(max, n = 4) {
    const raw = max / n;
    const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw);
    const out = [];
    for (let v = 0; v <= max + 1e-9; v += step) out.push(v);
    return out;
  }

  /* Downtime against depth: the screening's front (least downtime per depth, from the
     surrogate), the target's depth range, and the proposed plans (full simulation). */
  function tradeoffChart(r) {
    const W = 520, H = 230, L = 48, R = 12, T = 12, B = 40;
    const pts = r.tradeoff.map((t) => [t.depth_um, t.downtime_days]);
    const plans = r.plans.map((p) => [p.depth_um, p.predicted.downtime_days]);
    const xMax = Math.max(r.target.max_um, ...pts.map((p) => p[0]), ...plans.map((p) => p[0])) * 1.05;
    const yMax = Math.max(1, ...pts.map((p) => p[1]), ...plans.map((p) => p[1])) * 1.15;
    const x = (v) => L + (W - L - R) * v / xMax;
    const y = (v) => H - B - (H - T - B) * v / yMax;
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "tradeoff-chart", role: "img",
      "aria-label": "Trade-off: downtime against depth" });
    chart.append(svg("rect", { x: x(r.target.min_um), y: T, width: x(r.target.max_um) - x(r.target.min_um),
      height: H - T - B, class: "target-band" }));
    for (const v of ticks(xMax)) {
      chart.append(svg("line", { x1: x(v), x2: x(v), y1: H - B, y2: H - B + 4, class: "axis" }),
        svg("text", { x: x(v), y: H - B + 16, "text-anchor": "middle" }, fmt(v)));
    }
    for (const v of ticks(yMax)) {
      chart.append(svg("line", { x1: L - 4, x2: W - R, y1: y(v), y2: y(v), class: "grid" }),
        svg("text", { x: L - 7, y: y(v) + 4, "text-anchor": "end" }, fmt(v)));
    }
    chart.append(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }),
      svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" },
        `${r.target.metric.replace(/_/g, " ")} (µm)`),
      svg("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle",
        transform: `rotate(-90 12 ${(T + H - B) / 2})` }, "downtime (days)"));
    if (pts.length) {
      chart.append(svg("polyline", { points: pts.map(([a, b]) => `${x(a)},${y(b)}`).join(" "),
        class: "front" }));
      for (const [a, b] of pts) chart.append(svg("circle", { cx: x(a), cy: y(b), r: 2.5, class: "front-point" }));
    }
    // the best plan drawn last, on top of any plan at the same point
    [...plans.entries()].reverse().forEach(([i, [a, b]]) => {
      chart.append(svg("circle", { cx: x(a), cy: y(b), r: 9, class: "plan-point", "data-rank": i + 1 }),
        svg("text", { x: x(a), y: y(b) + 4, "text-anchor": "middle", class: "plan-label" }, String(i + 1)));
    });
    return el("figure", { class: "tradeoff" }, chart,
      el("figcaption", { text: "Trade-off. Line: the least downtime found for each depth while screening " +
        "(surrogate), among plans giving the indication's coverage; numbered: the proposed plans " +
        "(full simulation); band: the target depth." }));
  }

  function stat(label, value, unit, id, note) {
    return el("div", { class: "stat", "data-stat": id },
      el("div", { class: "stat-value" }, el("span", { text: value }), unit ? el("small", { text: ` ${unit}` }) : null),
      el("div", { class: "stat-label", text: label }),
      note ? el("div", { class: "stat-note", text: note }) : null);
  }

  function passesTable(passes) {
    const cols = [["Pass", (t, i) => `${i + 1}`], ["Mode", (t) => `${t.device} ${t.mode}`],
      ["Energy", (t) => `${fmt(t.pulse_energy_mj)} mJ`],
      ["Density", (t) => (t.density_percent !== undefined ? `${fmt(t.density_percent)} %` : "—")],
      ["Stacked", (t) => String(t.stack ?? 1)]];
    return el("table", { class: "passes-table" },
      el("thead", {}, el("tr", {}, cols.map(([h]) => el("th", { text: h })))),
      el("tbody", {}, passes.map((t, i) => el("tr", {}, cols.map(([, f]) => el("td", { text: f(t, i) }))))));
  }

  function planCard(p, i, r, onLoad) {
    const pr = p.predicted;
    const band = p.downtime_days_range || pr.downtime_days_range;
    const what = r.target.metric.replace(/_/g, " ");
    return el("li", { class: "plan-card", "data-rank": i + 1 },
      el("div", { class: "pass-head" },
        el("h3", { text: `${i + 1}. ${p.plan.name}` }),
        el("button", { type: "button", class: "primary small", text: "Load into the form", "data-role": "load",
          onclick: () => onLoad(p.form_plan, i) })),
      brokenRulesBanner(pr.broken_rules, "This plan breaks safety rules:"),
      p.target_met ? null : el("div", { class: "banner notice", text: `Short of the target: ${p.shortfall}` }),
      // regions short of the target and figures outside every published protocol, shown on
      // the card, not only inside "Why this plan" (a review of session 24)
      (p.regions_below_target || []).length
        ? el("div", { class: "banner notice", "data-role": "regions-short",
          text: `Short of the target in some regions: ${p.regions_below_target.join("; ")}` })
        : null,
      (p.protocol_notes || []).length
        ? el("div", { class: "banner notice", "data-role": "protocol-notes",
          text: `Beside the published protocols: ${p.protocol_notes.join("; ")}` })
        : null,
      el("div", { class: "stats" },
        stat(what.charAt(0).toUpperCase() + what.slice(1), fmt(p.depth_um), "µm", "depth"),
        stat("Downtime", days(pr.downtime_days), "days", "downtime", band ? `band ${dayBand(band)}` : null),
        stat("Session time", fmt(p.session_minutes ?? pr.session_minutes), "min", "session"),
        stat("Coverage", fmt(pr.combined_coverage_percent), "%", "coverage"),
        stat("Peak bulk temperature", fmt(pr.peak_bulk_temperature_c), "°C", "bulk")),
      passesTable(p.passes),
      el("p", { class: "binding", "data-role": "binding",
        text: bindingText(p) }),
      el("details", {}, el("summary", { text: "Why this plan" }), el("p", { text: p.rationale })));
  }

  /* The caps a plan sits at, apart from the rules that kept better-ranked (for a plan
     short of the target: nearer) candidates out (plan JSON: at_limits, kept_out_by). */
  function bindingText(p) {
    const at = p.at_limits || [], out = p.kept_out_by || [];
    const parts = [];
    if (at.length) parts.push(`Limits it sits at: ${at.join(", ")}.`);
    if (out.length) {
      parts.push(`${p.target_met ? "Better-ranked" : "Nearer"} candidates were kept out by: ${out.join(", ")}.`);
    }
    return parts.join(" ") || "No safety limit binds it.";
  }

  /* The planner's answer in `container`; `onLoad(plan, index)` loads a plan in the form. */
  function renderSuggestions(container, r, onLoad) {
    const t = r.target;
    container.hidden = false;
    const parts = [
      el("div", { class: "result-head" }, el("h2", { text: `Suggested plans: ${t.name}` })),
      el("p", { class: "lead", text: `Target: ${t.metric.replace(/_/g, " ")} ${num(t.min_um)}–` +
        `${num(t.max_um)} µm with coverage ≥ ${num(t.min_coverage_percent)} %. Device: ${r.device} ` +
        `(${r.device_reason}). ${r.candidates} settings screened.` }),
      r.reached ? null : el("div", { class: "banner notice", "data-role": "not-reached",
        text: `${r.message}${r.shortfall ? ` (short: ${r.shortfall})` : ""}` }),
      brokenRulesBanner(r.dropped,
        "Plans that broke a safety rule in the full simulation were left out:"),
      r.plans.length ? tradeoffChart(r) : null,
      r.plans.length
        ? el("ol", { class: "plan-list" }, r.plans.map((p, i) => planCard(p, i, r, onLoad)))
        : el("p", { text: r.message })];
    container.replaceChildren(...parts.filter((x) => x));
  }

  return { SuggestForm, renderSuggestions, tradeoffChart };
})();
