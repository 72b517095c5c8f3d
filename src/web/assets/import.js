// Enhances the import form with drag and drop; the form works without it.
(function () {
  "use strict";
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("file");
  var chosen = document.getElementById("chosen");
  var form = document.getElementById("upload-form");
  if (!zone || !input || !form) { return; }
  function show() {
    chosen.textContent = input.files && input.files.length ? "Selected: " + input.files[0].name : "No file selected.";
  }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      show();
    }
  });
  input.addEventListener("change", show);
  form.addEventListener("reset", function () { window.setTimeout(show, 0); });
})();
