// Small helpers for the portal's pages; every page works without them (no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A checkbox that selects every row of a list for a bulk action.
  for (const all of document.querySelectorAll("input[data-select-all]")) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll(`input[name="${all.dataset.selectAll}"]`)) {
        box.checked = all.checked;
      }
    });
  }
  // Drag and drop onto a file field's zone fills the field.
  for (const zone of document.querySelectorAll("[data-dropzone]")) {
    const input = zone.querySelector("input[type=file]");
    if (!input) continue;
    zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }
  // A choice whose options carry a unit shows the chosen one's (the indicator entry form).
  for (const select of document.querySelectorAll("select[data-unit-shown]")) {
    const shown = document.getElementById(select.dataset.unitShown);
    if (!shown) continue;
    select.addEventListener("change", () => {
      shown.textContent = select.selectedOptions[0]?.dataset.unit || shown.dataset.empty || "";
    });
  }
  // Forms that submit themselves when a facet changes (the button stays for keyboards and no-JS).
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    form.addEventListener("change", () => form.requestSubmit());
  }
  // Enter in a field sends the form with its main button, not with the first button of the
  // form (the register form's "Add another donor" comes before "Register the project").
  for (const form of document.querySelectorAll("form")) {
    const main = form.querySelector("button.primary[type=submit]");
    if (!main || form.querySelector("button:not([type]), [type=submit]") === main) continue;
    form.addEventListener("keydown", (event) => {
      const field = event.target;
      if (event.key !== "Enter" || event.isComposing || !(field instanceof HTMLInputElement)) return;
      if (["submit", "button", "reset", "image", "checkbox", "radio", "file"].includes(field.type)) return;
      event.preventDefault();
      form.requestSubmit(main);
    });
  }
});
