"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const result = document.getElementById("result");
  window.planForm = new Resurfacer.PlanForm(document.getElementById("plan-form"), undefined, {
    onResult: (view) => Resurfacer.renderResult(result, view),
  });

  // Two ways to plan: enter the settings, or have the planner suggest them.
  const modes = { enter: "enter-panel", suggest: "suggest-panel" };
  const showMode = (mode) => {
    for (const [name, panel] of Object.entries(modes)) {
      document.getElementById(`tab-${name}`).setAttribute("aria-selected", String(name === mode));
      document.getElementById(panel).hidden = name !== mode;
    }
  };
  for (const name of Object.keys(modes)) {
    document.getElementById(`tab-${name}`).addEventListener("click", () => showMode(name));
  }

  const note = document.getElementById("loaded-note");
  const load = (plan, i) => {
    window.planForm.setPlan(plan);
    note.textContent = `Suggested plan ${i + 1} (${plan.name}) is in the form: run it to see the full ` +
      "result, or change it first.";
    note.hidden = false;
    showMode("enter");
    document.getElementById("enter-panel").scrollIntoView({ block: "start" });
  };
  const suggestions = document.getElementById("suggestions");
  window.suggestForm = new Suggest.SuggestForm(document.getElementById("suggest-form"), {
    onResult: (answer) => Suggest.renderSuggestions(suggestions, answer, load),
  });
});
