"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const result = document.getElementById("result");
  window.planForm = new Resurfacer.PlanForm(document.getElementById("plan-form"), undefined, {
    onResult: (view) => Resurfacer.renderResult(result, view),
  });
});
