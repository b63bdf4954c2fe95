/* resurfacer web planner: the plan form, running a plan, showing a result.
   Plain JavaScript, no framework, no external resources. */
"use strict";

const Resurfacer = (() => {
  let presetsPromise = null;
  const presets = () =>
    (presetsPromise ||= fetch("/api/presets").then((r) => r.json()));

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) node.append(c);
    }
    return node;
  }

  const SEXES = [["female", "Female"], ["male", "Male"]];
  const SITE_LABELS = {
    cheek: "Cheek", forehead: "Forehead", periorbital: "Periorbital", perioral: "Perioral",
    nose: "Nose", neck: "Neck", chest: "Chest", dorsal_hand: "Back of hand",
  };
  // the fields a device preset fixes (plan.schema.DEVICE_IDENTITY)
  const FIXED_BY_DEVICE = ["kind", "wavelength_nm"];
  // name, label, unit, kind (number | int | select), choices
  const PASS_FIELDS = [
    ["pulse_energy_mj", "Pulse energy", "mJ"],
    ["density_percent", "Density", "%"],
    ["mtz_per_cm2", "Columns per cm²", "/cm²"],
    ["pattern_size_mm", "Pattern size", "mm"],
    ["pass_delay_s", "Pause before this pass", "s"],
    ["kind", "Kind", "", "select", ["fractional", "full_field"]],
    ["wavelength_nm", "Wavelength", "nm"],
    ["spot_um", "Spot (1/e² diameter)", "µm"],
    ["profile", "Beam profile", "", "select", ["gaussian", "tophat"]],
    ["pulse_duration_ms", "Pulse duration", "ms"],
    ["peak_power_w", "Peak power (blank duration: energy / power)", "W"],
    ["pulse_shape", "Pulse shape", "", "select", ["square", "gaussian"]],
    ["stack", "Stacked pulses", "", "int"],
    ["stack_spacing_ms", "Stack spacing (blank: 2 x duration)", "ms"],
    ["pattern_shape", "Pattern shape", "", "select", ["square", "hexagon", "line"]],
    ["scan_order", "Scan order", "", "select", ["raster", "interlaced", "random"]],
    ["repetition_rate_hz", "Repetition rate", "Hz"],
  ];
  const MAIN = new Set(["pulse_energy_mj", "density_percent", "mtz_per_cm2", "pattern_size_mm",
    "pass_delay_s"]);
  const DENSITY = ["density_percent", "spot_spacing_um", "mtz_per_cm2"];

  const DEFAULT_PLAN = {
    name: "CO2 dual, full face",
    patient: { sex: "female", age_years: 50, phototype: 2 },
    areas: [{ preset: "full_face" }],
    passes: [
      { device: "co2_dual", mode: "surface" },
      { device: "co2_dual", mode: "deep", pulse_energy_mj: 15, density_percent: 5,
        pass_delay_s: 0 },
    ],
  };

  const specDefault = (v) => (v && typeof v === "object" ? v.default : v);

  /* Each 422 detail next to the input its loc names (or its nearest parent) under
     `root`, and all of them in `banner`; `what` names the thing corrected. */
  function showFieldErrors(root, banner, detail, what) {
    const lines = [];
    let first = null;
    for (const d of detail) {
      const loc = (d.loc || []).filter((p) => p !== "body");
      const path = loc.join(".");
      const text = d.msg || String(d);
      lines.push(`${d.field || path || what}: ${text}`);
      let target = null;
      for (let n = loc.length; n > 0 && !target; n--) {
        target = root.querySelector(`[data-path="${loc.slice(0, n).join(".")}"]`);
      }
      if (!target) continue;
      const box = target.classList.contains("field")
        ? target.querySelector(".error")
        : target.querySelector(":scope > .error") || target.parentElement.querySelector(":scope > .error");
      if (box) box.textContent = text;
      target.classList.add("invalid");
      const input = target.querySelector("input, select");
      if (input && target.classList.contains("field")) input.setAttribute("aria-invalid", "true");
      const details = target.closest("details");
      if (details) details.open = true;
      first ||= target;
    }
    banner.hidden = false;
    banner.textContent = lines.length === 1
      ? `Please correct the ${what}: ${lines[0]}`
      : `Please correct the ${what}:\n${lines.join("\n")}`;
    if (first) {
      first.scrollIntoView({ block: "center" });
      const input = first.querySelector("input, select");
      if (input) input.focus({ preventScroll: true });
    }
  }

  /* The status line and the bar under `root`: drawn from `fraction` (0-1) when the
     server gave one (columns solved / total, then the report; the planner's stages),
     an indeterminate slide otherwise. */
  function setProgressIn(root, text, busy, fraction) {
    const box = root.querySelector(".progress");
    const button = root.querySelector('[data-role="run"]');
    if (!box) return;
    box.hidden = !text;
    box.classList.toggle("busy", !!busy);
    const known = busy && typeof fraction === "number";
    box.classList.toggle("determinate", known);
    const bar = box.querySelector(".bar span");
    if (bar) bar.style.width = known ? `${Math.round(100 * fraction)}%` : "";
    const meter = box.querySelector(".bar");
    if (meter) {
      meter.setAttribute("role", "progressbar");
      if (known) meter.setAttribute("aria-valuenow", String(Math.round(100 * fraction)));
      else meter.removeAttribute("aria-valuenow");
    }
    box.querySelector(".status").textContent = text || "";
    if (button) button.disabled = !!busy;
  }

  function clearFieldErrors(root, banner) {
    banner.hidden = true;
    for (const e of root.querySelectorAll(".error")) e.textContent = "";
    for (const f of root.querySelectorAll(".invalid")) f.classList.remove("invalid");
    for (const i of root.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  }

  const regionsOf = (r) => (r.sites && r.sites.length ? r.sites.join(", ") : "whole plan");

  /* A red banner naming each broken safety rule and the region(s) it concerns;
     `rules`: [{rule, sites, message}] (a summary's broken_rules, a planner's dropped). */
  function brokenRulesBanner(rules, heading) {
    if (!rules || !rules.length) return null;
    return el("div", { class: "banner rule-banner", role: "alert", "data-role": "broken-rules" },
      el("strong", { text: heading }),
      el("ul", {}, rules.map((r) => el("li", { "data-rule": r.rule },
        el("b", { text: r.rule }), ` (${regionsOf(r)})`,
        r.plan ? ` — plan tried: ${r.plan}` : null,
        el("div", { class: "rule-message", text: r.message })))));
  }

  function field(path, label, control, hint) {
    return el("div", { class: "field", "data-path": path },
      el("label", { for: control.id }, label),
      control,
      hint ? el("small", { class: "hint", text: hint }) : null,
      el("div", { class: "error", role: "alert", "aria-live": "polite" }));
  }

  let uid = 0;
  const nextId = (p) => `${p}-${++uid}`;

  function numberInput(value, opts = {}) {
    return el("input", { type: "number", step: "any", id: nextId("f"), value: value ?? "",
      inputmode: "decimal", ...opts });
  }

  function select(choices, value) {
    const s = el("select", { id: nextId("s") });
    for (const c of choices) {
      const [v, label] = Array.isArray(c) ? c : [c, c];
      s.append(el("option", { value: v, text: label, selected: String(v) === String(value) }));
    }
    return s;
  }

  const numberOf = (text) => {
    if (text === "" || text === null || text === undefined) return undefined;
    const n = Number(text);
    return Number.isFinite(n) ? n : text; // let the server name a non-number
  };

  /* One row of a form's area list: a region (a site, or a preset such as the full face)
     and its area in cm². `onChange` runs when the row changes or is removed; the row's
     _read() gives the plan's area, its name (what per-region pass settings refer to)
     travelling with it. */
  function areaRow(area, sites, onChange) {
    const choices = [["preset:full_face", "Full face (preset, 331 cm²)"],
      ...sites.map((s) => [s, SITE_LABELS[s] || s])];
    if (area.preset && area.preset !== "full_face") {
      choices.push([`preset:${area.preset}`, `${area.preset} (preset)`]);
    }
    const kind = select(choices, area.preset ? `preset:${area.preset}` : area.site);
    const amount = numberInput(area.area_cm2 ?? 50, { min: 0, max: 1000 });
    const row = el("div", { class: "row area-row" });
    const kindField = field("", "Region", kind);
    const amountField = field("", "Area (cm²)", amount);
    const remove = el("button", { type: "button", class: "icon", title: "Remove this area",
      "aria-label": "Remove this area", text: "×", onclick: () => { row.remove(); onChange(); } });
    const showAmount = () => { amountField.hidden = kind.value.startsWith("preset:"); };
    kind.addEventListener("change", () => { showAmount(); onChange(); });
    row.append(kindField, amountField, remove);
    const name = area.name;
    if (name) kindField.append(el("small", { class: "hint", text: `area name: ${name}` }));
    row._read = () => (kind.value.startsWith("preset:")
      ? { preset: kind.value.slice(7) }
      : { site: kind.value, area_cm2: numberOf(amount.value), ...(name ? { name } : {}) });
    row._fields = { kind: kindField, amount: amountField };
    showAmount();
    return row;
  }

  /* The patient's fieldset of a form: sex, age and phototype controls with their data paths. */
  function patientFieldset(sex, age, phototype) {
    return el("fieldset", {}, el("legend", { text: "Patient" }),
      el("div", { class: "grid3" },
        field("patient.sex", "Sex", sex),
        field("patient.age_years", "Age (years)", age, "18–100"),
        field("patient.phototype", "Fitzpatrick phototype", phototype)));
  }

  /* Data paths (areas.i.site / .preset / .area_cm2) of the rows of an area list, which
     the server's field errors point at. */
  function numberAreas(list) {
    [...list.children].forEach((row, i) => {
      row.dataset.path = `areas.${i}`;
      const preset = row._read().preset !== undefined;
      row._fields.kind.dataset.path = preset ? `areas.${i}.preset` : `areas.${i}.site`;
      row._fields.amount.dataset.path = `areas.${i}.area_cm2`;
    });
  }

  class PlanForm {
    constructor(root, plan = DEFAULT_PLAN, options = {}) {
      this.root = root;
      this.options = options;
      this.ready = presets().then((p) => {
        this.presets = p;
        this.render(plan);
      });
    }

    render(plan) {
      const p = this.presets;
      this.root.replaceChildren();
      this.banner = el("div", { class: "banner error-banner", role: "alert", hidden: true });
      this.nameInput = el("input", { type: "text", id: nextId("name"), value: plan.name || "" });
      const pt = plan.patient || {};
      this.sex = select(SEXES, pt.sex || "female");
      this.age = numberInput(pt.age_years ?? 50, { min: 18, max: 100 });
      this.phototype = select([1, 2, 3, 4, 5, 6].map((n) => [n, `Type ${"I II III IV V VI".split(" ")[n - 1]}`]),
        pt.phototype ?? 2);
      this.areaList = el("div", { class: "rows", "data-path": "areas" });
      this.passList = el("div", { class: "passes", "data-path": "passes" });
      const form = el("form", { class: "plan-form", novalidate: true, onsubmit: (e) => {
        e.preventDefault();
        this.run();
      } },
      this.banner,
      field("name", "Plan name", this.nameInput),
      patientFieldset(this.sex, this.age, this.phototype),
      el("fieldset", {}, el("legend", { text: "Treated areas" }),
        this.areaList,
        el("div", { class: "error", role: "alert" }),
        el("button", { type: "button", class: "secondary small", text: "+ Add area",
          onclick: () => this.addArea({ site: "cheek", area_cm2: 60 }) })),
      el("fieldset", {}, el("legend", { text: "Laser passes" }),
        this.passList,
        el("div", { class: "error", role: "alert" }),
        el("button", { type: "button", class: "secondary small", text: "+ Add pass",
          onclick: () => this.addPass({ device: "co2_dual", mode: "deep" }) })),
      this.options.noRun ? null : el("div", { class: "actions" },
        el("button", { type: "submit", class: "primary", text: "Run simulation",
          "data-role": "run" }),
        el("div", { class: "progress", hidden: true },
          el("div", { class: "bar" }, el("span")),
          el("span", { class: "status", "aria-live": "polite" }))));
      this.form = form;
      this.root.append(form);
      for (const a of plan.areas || []) this.addArea(a);
      for (const ps of plan.passes || []) this.addPass(ps);
    }

    addArea(area) {
      this.areaList.append(areaRow(area, this.presets.sites, () => this.renumber()));
      this.renumber();
    }

    addPass(ps) {
      const card = el("div", { class: "pass-card" });
      this.passList.append(card);
      this.fillPass(card, ps);
      this.renumber();
    }

    fillPass(card, ps) {
      const devices = this.presets.devices;
      const custom = !ps.device;
      const device = ps.device || "co2_dual";
      const modes = devices[device].modes;
      const mode = ps.mode && modes[ps.mode] ? ps.mode : devices[device].default_mode;
      const spec = custom ? {} : modes[mode];
      card.replaceChildren();
      const source = select([["preset", "Device preset"], ["custom", "Custom settings"]],
        custom ? "custom" : "preset");
      const deviceSel = select(Object.entries(devices).map(([k, d]) => [k, d.name]), device);
      const modeSel = select(Object.keys(modes), mode);
      const title = el("h3", {});
      const head = el("div", { class: "pass-head" }, title,
        el("button", { type: "button", class: "icon", title: "Remove this pass",
          "aria-label": "Remove this pass", text: "×",
          onclick: () => { card.remove(); this.renumber(); } }));
      const top = el("div", { class: "grid3" }, field("", "Settings", source));
      if (!custom) top.append(field("device", "Device", deviceSel), field("mode", "Mode", modeSel));
      const inputs = {};
      const main = el("div", { class: "grid3" });
      const more = el("div", { class: "grid3" });
      const kind = custom ? (ps.kind || "fractional") : spec.kind;
      for (const [name, label, unit, type, choices] of PASS_FIELDS) {
        const isDensity = DENSITY.includes(name);
        if (isDensity && kind === "full_field") continue;
        if (isDensity && !custom && !(name in spec)) continue;
        if (isDensity && custom && name !== "density_percent" && !(name in ps)) continue;
        // a device preset fixes what the device is (session 24): no input for its kind
        // or wavelength, which the plan's schema refuses to change
        if (!custom && FIXED_BY_DEVICE.includes(name)) continue;
        const entry = spec[name];
        const range = entry && typeof entry === "object" ? `${entry.min}–${entry.max} ${unit}` : null;
        const preset = specDefault(entry);
        // a fixed-power source derives its pulse duration (energy / power): no default
        const derived = name === "pulse_duration_ms" && ps.peak_power_w !== undefined;
        const value = ps[name] ?? (custom && !derived ? PASS_DEFAULTS[name] : undefined);
        const control = type === "select"
          ? select(custom ? choices : [["", `preset: ${preset ?? "—"}`], ...choices], value ?? "")
          : numberInput(value, { placeholder: preset !== undefined ? `preset ${preset}` : "" });
        inputs[name] = control;
        const f = field(name, unit ? `${label} (${unit})` : label, control,
          range ? `device range ${range}` : null);
        (custom || MAIN.has(name) ? main : more).append(f);
      }
      // fields of the pass the form has no input for (per-region settings, beam quality,
      // ...) travel with it unchanged, and are named on the card
      const carried = Object.fromEntries(Object.entries(ps).filter(([k, v]) =>
        !(k in inputs) && k !== "device" && k !== "mode" && v !== undefined && v !== null));
      const carriedNote = Object.keys(carried).length
        ? el("small", { class: "hint carried", "data-role": "carried",
          text: `Also in this pass: ${Object.entries(carried).map(([k, v]) =>
            (typeof v === "object" ? `${k} (${Object.keys(v).join(", ")})` : `${k} = ${v}`)).join("; ")}` })
        : null;
      const parts = [head, top, main, carriedNote];
      if (!custom) {
        parts.push(el("details", { class: "more" },
          el("summary", { text: "More settings (blank = preset value)" }), more));
      }
      card.append(...parts.filter((x) => x));
      for (const f of card.querySelectorAll(".field")) f.dataset.name = f.dataset.path;
      const rebuild = (next) => { this.fillPass(card, next); this.renumber(); };
      source.addEventListener("change", () => {
        if (source.value === "custom") {
          const full = { ...PASS_DEFAULTS };
          for (const [k, v] of Object.entries(spec)) {
            if (!k.startsWith("_") && k !== "source" && k !== "note" && !k.endsWith("_source")) {
              full[k] = specDefault(v);
            }
          }
          const current = card._read();
          delete full.device; delete full.mode;
          for (const [k, v] of Object.entries(current)) if (k !== "device" && k !== "mode") full[k] = v;
          rebuild(full);
        } else {
          rebuild({ device: "co2_dual", mode: "deep" });
        }
      });
      deviceSel.addEventListener("change", () => rebuild({ device: deviceSel.value }));
      modeSel.addEventListener("change", () => rebuild({ device: deviceSel.value, mode: modeSel.value }));
      if (custom && inputs.kind) {
        inputs.kind.addEventListener("change", () => rebuild({ ...card._read(), kind: inputs.kind.value }));
      }
      card._title = title;
      card._read = () => {
        const out = custom ? { ...carried } : { ...carried, device: deviceSel.value, mode: modeSel.value };
        for (const [name, control] of Object.entries(inputs)) {
          if (control.value === "") continue;
          out[name] = control.tagName === "SELECT" ? control.value : numberOf(control.value);
        }
        return out;
      };
    }

    renumber() {
      numberAreas(this.areaList);
      [...this.passList.children].forEach((card, i) => {
        card.dataset.path = `passes.${i}`;
        card._title.textContent = `Pass ${i + 1}`;
        for (const f of card.querySelectorAll(".field")) {
          const name = f.dataset.name;
          f.dataset.path = name ? `passes.${i}.${name}` : `passes.${i}`;
        }
      });
    }

    getPlan() {
      return {
        name: this.nameInput.value,
        patient: { sex: this.sex.value, age_years: numberOf(this.age.value),
          phototype: numberOf(this.phototype.value) },
        areas: [...this.areaList.children].map((r) => r._read()),
        passes: [...this.passList.children].map((c) => c._read()),
      };
    }

    setPlan(plan) { this.render(plan); }

    clearErrors() { clearFieldErrors(this.root, this.banner); }

    /* Show each 422 detail next to the input its loc names (or its nearest parent). */
    showErrors(detail) {
      this.clearErrors();
      showFieldErrors(this.root, this.banner, detail, "plan");
    }

    setProgress(text, busy, fraction) { setProgressIn(this.root, text, busy, fraction); }

    async run() {
      this.clearErrors();
      this.setProgress("Submitting…", true);
      try {
        const view = await runPlan(this.getPlan(), (v) =>
          this.setProgress(statusText(v), true, v.status === "running" ? v.progress || 0 : undefined));
        this.setProgress(view.cached ? "Done (computed before, served from the store)" :
          `Done in ${(view.runtime_s ?? 0).toFixed(1)} s`, false);
        if (this.options.onResult) this.options.onResult(view);
        return view;
      } catch (err) {
        if (err.detail && Array.isArray(err.detail)) {
          this.setProgress("", false);
          this.showErrors(err.detail);
        } else {
          this.setProgress(`Failed: ${err.message || err}`, false);
          this.root.querySelector(".progress").classList.add("failed");
        }
        throw err;
      }
    }
  }

  const PASS_DEFAULTS = {
    kind: "fractional", wavelength_nm: 10600, spot_um: 120, profile: "gaussian",
    pulse_energy_mj: 15, pulse_duration_ms: 0.5, pulse_shape: "square", stack: 1,
    density_percent: 5, pattern_shape: "square", pattern_size_mm: 10,
    scan_order: "random", repetition_rate_hz: 300, pass_delay_s: 0,
  };

  const PLANNER_STAGES = { "surrogate tables": "Building the surrogate tables…",
    screening: "Screening the candidate settings…", verifying: "Verifying plans with the full simulation…" };

  function statusText(v) {
    if (v.status === "queued") {
      return v.queue_position ? `Queued (${v.queue_position} ahead)…` : "Queued…";
    }
    if (v.status === "running" && v.kind === "plan") {
      const what = PLANNER_STAGES[v.stage] || "Planning…";
      return `${what} ${Math.round(100 * (v.progress || 0))} % (${Math.round(v.elapsed_s || 0)} s)`;
    }
    if (v.status === "running") {
      const what = v.stage === "report" ? "Rendering the report…" : "Solving the columns…";
      return `${what} ${Math.round(100 * (v.progress || 0))} % (${Math.round(v.elapsed_s || 0)} s)`;
    }
    return v.status;
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  /* POST a plan, poll its job; resolves with the done view, rejects with {detail} or Error. */
  const runPlan = (plan, onStatus) => runJob("/api/simulate", plan, onStatus);

  /* POST `body` to a job endpoint (/api/simulate, /api/plan), poll the job until done. */
  async function runJob(url, payload, onStatus) {
    const res = await fetch(url, { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
    const body = await res.json().catch(() => ({}));
    if (res.status === 422) throw Object.assign(new Error("invalid input"), { detail: body.detail });
    if (res.status === 200) return body;
    if (res.status !== 202) throw new Error(body.detail || `server answered ${res.status}`);
    let view = body;
    for (;;) {
      onStatus?.(view);
      await sleep(600);
      const r = await fetch(`/api/jobs/${body.job_id}`);
      view = await r.json();
      if (!r.ok) throw new Error(view.detail || `server answered ${r.status}`);
      if (view.status === "done") return view;
      if (view.status === "failed") throw new Error(view.error || "the job failed");
    }
  }

  // --- result display ----------------------------------------------------------------

  /* Field-name suffix -> unit symbol: the same table as Python's common.units.FIELD_UNITS
     (a test compares them); the longest matching suffix wins. */
  const FIELD_UNITS = {
    _per_cm2: "/cm²", _j_cm2: "J/cm²", _j_per_cm2: "J/cm²", _cm2: "cm²", _years: "years",
    _weeks: "weeks", _days: "days", _hours: "h", _minutes: "min", _nm: "nm", _um: "µm",
    _mm: "mm", _mj: "mJ", _j: "J", _ms: "ms", _percent: "%", _hz: "Hz", _w: "W", _c: "°C",
    _s: "s",
  };

  function labelOf(key) {
    const suffix = Object.keys(FIELD_UNITS).filter((s) => key.endsWith(s))
      .reduce((a, b) => (b.length > a.length ? b : a), "");
    const name = key.slice(0, key.length - suffix.length).replace(/_/g, " ");
    return [name.charAt(0).toUpperCase() + name.slice(1), suffix ? FIELD_UNITS[suffix] : ""];
  }

  function fmt(v, digits = 3) {
    if (typeof v !== "number") return v === null || v === undefined ? "—" : String(v);
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1000) return Math.round(v).toLocaleString("en");
    return Number(v.toPrecision(digits)).toString();
  }

  /* Days as the CLI and the report print them: one decimal ("10.8", where fmt gives "11"). */
  function days(v) {
    return typeof v === "number" ? v.toFixed(1) : fmt(v);
  }

  /* A band of days (a downtime's low and high ends) as the CLI gives it: "7.1–10.8". */
  function dayBand(range) {
    return `${days(range[0])}–${days(range[1])}`;
  }

  /* The skin's closure as [label, value], worded as the CLI and the report word it
     (healing.closure_words): where no pass opened the skin, the hours are those the
     treated zones took to mend under the intact surface, not a re-epithelialisation. */
  function closureWords(skinOpened, hours) {
    const h = `${hours.toFixed(0)} h`; // as `resurfacer simulate` prints it
    return skinOpened ? ["Skin closed after", h] : ["Skin surface", `intact (treated skin repaired after ${h})`];
  }

  const KNOWN = new Set(["plan_name", "resurfacer_version", "total_area_cm2", "session_minutes",
    "total_energy_j", "peak_bulk_temperature_c", "combined_coverage_percent",
    "max_energy_balance_error", "passes"]);

  /* Numbers of the summary that the core does not know (healing, aftercare): flattened. */
  function extraNumbers(summary) {
    const out = [];
    for (const [k, v] of Object.entries(summary)) {
      if (KNOWN.has(k)) continue;
      if (typeof v === "number") out.push([k, v]);
      else if (v && typeof v === "object" && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v)) if (typeof v2 === "number") out.push([k2, v2]);
      }
    }
    return out;
  }

  /* The healing and aftercare figures of a summary as [label, text]: its extra numbers,
     days to one decimal, the skin's closure worded by whether a pass opened the skin
     (a summary from before `skin_opened` existed counts as opened). */
  function healingRows(s) {
    return extraNumbers(s).map(([k, v]) => {
      if (k === "reepithelialization_hours") return closureWords(s.skin_opened !== false, v);
      const [label, unit] = labelOf(k);
      return [label, `${unit === "days" ? days(v) : fmt(v)} ${unit}`.trim()];
    });
  }

  function findDowntime(summary) {
    const all = [...Object.entries(summary), ...extraNumbers(summary)];
    return all.find(([k, v]) => typeof v === "number" && k.startsWith("downtime"));
  }

  function card(label, value, unit, id, note) {
    return el("div", { class: "stat", "data-stat": id },
      el("div", { class: "stat-value" }, el("span", { text: value }),
        unit ? el("small", { text: ` ${unit}` }) : null),
      el("div", { class: "stat-label", text: label }),
      note ? el("div", { class: "stat-note", text: note }) : null);
  }

  function resultCards(s) {
    const cards = [];
    const downtime = findDowntime(s);
    if (downtime) {
      const [label, unit] = labelOf(downtime[0]);
      const range = s[`${downtime[0]}_range`];
      const parts = [];
      if (Array.isArray(range)) parts.push(`range ${dayBand(range)}`);
      if (s.downtime_set_by) parts.push(`set by ${s.downtime_set_by}`);
      const note = parts.length ? parts.join("; ") : null;
      cards.push(card(label, days(downtime[1]), unit || "days", "downtime", note));
    }
    cards.push(card("Session time", fmt(s.session_minutes, 3), "min", "session"));
    const regions = s.regions || [];
    const deepest = regions.find((r) => r.name === s.deepest_region);
    if (deepest) {
      cards.push(card("Deepest coagulation", fmt(deepest.coagulation_depth_um, 3), "µm", "depth",
        `${deepest.name}: ${fmt(100 * deepest.fraction_of_dermis)} % of its dermis`));
    }
    cards.push(card("Treated area", fmt(s.total_area_cm2), "cm²", "area"));
    cards.push(card("Combined coverage", fmt(s.combined_coverage_percent), "%", "coverage"));
    cards.push(card("Energy delivered", fmt(s.total_energy_j), "J", "energy"));
    cards.push(card("Peak bulk temperature", fmt(s.peak_bulk_temperature_c), "°C", "bulk"));
    return el("div", { class: "stats" }, cards);
  }

  function passTable(s) {
    const cols = [["Pass", (p) => `${p.index + 1}`], ["Mode", (p) => p.mode || p.kind],
      ["Energy", (p) => `${fmt(p.pulse_energy_mj)} mJ`],
      ["Coverage", (p) => `${fmt(p.coverage_percent)} %`],
      ["MTZ/cm²", (p) => fmt(p.mtz_per_cm2)],
      ["Crater depth", (p) => `${fmt(p.ablation_depth_um)} µm`],
      ["Coag. cuff", (p) => `${fmt(p.coagulation_thickness_um)} µm`],
      ["Bulk peak", (p) => `${fmt(p.peak_bulk_temperature_c)} °C`],
      ["Minutes", (p) => fmt(p.minutes)]];
    return el("table", { class: "passes-table" },
      el("thead", {}, el("tr", {}, cols.map(([h]) => el("th", { text: h })))),
      el("tbody", {}, s.passes.map((p) => el("tr", {}, cols.map(([, f]) => el("td", { text: f(p) }))))));
  }

  /* Per treated area: its own columns (never an area-weighted mean), share of its dermis,
     downtime and bulk heating; the deepest area marked. */
  /* An area every pass skips: no downtime (null), and no column figures to show. */
  function untreated(r) {
    return r.downtime_days === null;
  }

  function regionTable(s) {
    const regions = s.regions || [];
    if (!regions.length) return null;
    const cols = [["Area", (r) => r.name + (r.name === s.deepest_region ? " (deepest)" : "")],
      ["Site", (r) => r.site], ["cm²", (r) => fmt(r.area_cm2)],
      ["Crater", (r) => (untreated(r) ? "—" : `${fmt(r.crater_um)} µm`)],
      ["Coag. depth", (r) => (untreated(r) ? "—" : `${fmt(r.coagulation_depth_um)} µm`)],
      ["Of dermis", (r) => (untreated(r) ? "—" : `${fmt(100 * r.fraction_of_dermis)} %`)],
      ["Downtime", (r) => (r.downtime_days === null ? "not treated" : `${days(r.downtime_days)} d`)],
      ["Bulk peak", (r) => `${fmt(r.peak_bulk_temperature_c)} °C`],
      ["CEM43", (r) => `${fmt(r.bulk_cem43_min, 3)} min`]];
    return el("table", { class: "passes-table", "data-role": "regions" },
      el("thead", {}, el("tr", {}, cols.map(([h]) => el("th", { text: h })))),
      el("tbody", {}, regions.map((r) => el("tr", { "data-region": r.name },
        cols.map(([, f]) => el("td", { text: f(r) }))))));
  }

  /* The summary's warnings that are not broken rules (what a pass asks of its source). */
  function cautionsOf(s) {
    const broken = new Set((s.broken_rules || []).map((r) => r.message));
    return (s.warnings || []).filter((w) => !broken.has(w));
  }

  /* The summary's notes with their units spelled for people, by the rules of
     resurfacer.common.units.human_text (micrometres, degrees Celsius, square centimetres),
     which the CLI and the report apply to the same notes. The patterns spell the ASCII
     forms with escapes (\u0075 is "u", \u0043 "C", \u0032 "2") so that this file itself passes the
     vocabulary check (tests/test_vocabulary.py). Python's \w, \b and \d are Unicode, so a
     "word" character here is a letter, a number or "_" (\p{L}\p{N}_) and a digit \p{Nd}:
     an area's own name (user text) inside a note is spelled alike on both sides. */
  const HUMAN_UNITS = [[/(?<![\p{L}\p{N}_\-[])\u0075m(?![\p{L}\p{N}_])/gu, "µm"],
    [/\[\u0075m\]/gu, "[µm]"], [/(\p{Nd})\s?C(?![\p{L}\p{N}_°²])/gu, "$1 °C"],
    [/\[\u0043\]/gu, "[°C]"], [/(?<![\p{L}\p{N}_-])cm\u0032(?![\p{L}\p{N}_])/gu, "cm²"],
    [/(?<![\p{L}\p{N}_])mm\u0032(?![\p{L}\p{N}_])/gu, "mm²"]];

  function humanText(text) {
    return HUMAN_UNITS.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
  }

  function cautionNotice(cautions) {
    if (!cautions.length) return null;
    return el("div", { class: "banner notice", "data-role": "cautions" },
      el("strong", { text: "Check the settings: " }), cautions.map(humanText).join("; "));
  }

  /* Where a figure is to be read with care (summary.model_notes): the column solver's
     cautions, one per pass and caution, then the areas whose downtime hangs on their
     epidermis. */
  function modelNotes(notes) {
    if (!notes || !notes.length) return null;
    return el("details", { class: "model-notes", "data-role": "model-notes" },
      el("summary", { text: `Model notes (${notes.length}): figures to read with care` }),
      el("ul", {}, notes.map((n) => el("li", { text: humanText(n) }))));
  }

  function renderResult(container, view) {
    const s = view.summary;
    const extras = healingRows(s);
    const parts = [
      el("div", { class: "result-head" },
        el("h2", { text: s.plan_name }),
        el("a", { href: view.report_url, target: "_blank", rel: "noopener", class: "button secondary small",
          text: "Open the report" })),
      brokenRulesBanner(s.broken_rules, "This plan breaks safety rules:"),
      cautionNotice(cautionsOf(s)),
      resultCards(s),
      extras.length ? el("div", { class: "extras" }, el("h3", { text: "Healing and aftercare" }),
        el("dl", {}, extras.flatMap(([label, text]) => [el("dt", { text: label }), el("dd", { text })]))) : null,
      regionTable(s),
      passTable(s),
      modelNotes(s.model_notes),
      el("iframe", { class: "report", src: view.report_url, title: "Report with figures",
        sandbox: "allow-scripts" })];
    container.replaceChildren(...parts.filter((x) => x));
  }

  return { PlanForm, runPlan, runJob, renderResult, resultCards, labelOf, fmt, days, dayBand,
    closureWords, healingRows, extraNumbers, el,
    DEFAULT_PLAN, presets, field, select, numberInput, numberOf, SEXES, SITE_LABELS, statusText,
    showFieldErrors, clearFieldErrors, setProgressIn, brokenRulesBanner, cautionsOf, regionsOf,
    areaRow, numberAreas, patientFieldset };
})();
