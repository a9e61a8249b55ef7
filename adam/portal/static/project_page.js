// The project page's gallery: a thumbnail opens its picture in a <dialog>; without this
// script the thumbnail's link opens the picture itself.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const dialog = document.querySelector("dialog.lightbox");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const large = dialog.querySelector("img");
  const caption = dialog.querySelector(".caption");
  for (const link of document.querySelectorAll("[data-lightbox] a[data-large]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const thumb = link.querySelector("img");
      large.src = link.href;
      large.alt = thumb ? thumb.alt : "";
      caption.textContent = thumb ? thumb.alt : "";
      dialog.showModal();
    });
  }
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
});
