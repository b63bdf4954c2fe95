"use strict";
document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("endpoints");
  const spec = await (await fetch("/openapi.json")).json();
  box.replaceChildren();
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const section = document.createElement("section");
      section.className = "endpoint";
      const h = document.createElement("h2");
      const m = document.createElement("span");
      m.className = `method ${method}`;
      m.textContent = method.toUpperCase();
      const code = document.createElement("code");
      code.textContent = path;
      h.append(m, " ", code);
      const p = document.createElement("p");
      p.textContent = op.summary || "";
      const codes = document.createElement("p");
      codes.className = "hint";
      codes.textContent = "Responses: " + Object.entries(op.responses || {})
        .map(([c, r]) => `${c} ${r.description}`).join(" · ");
      section.append(h, p, codes);
      box.append(section);
    }
  }
});
