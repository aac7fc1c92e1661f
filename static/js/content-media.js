// Media library: pick the focal point by clicking the picture; switch platforms without a button.
(function () {
  "use strict";

  function setUpFocalPicker() {
    var picker = document.getElementById("focal-picker");
    var marker = document.getElementById("focal-marker");
    if (!picker || !marker) return;
    var inputX = document.getElementById("id_focal_x");
    var inputY = document.getElementById("id_focal_y");

    function place(x, y) {
      marker.style.left = (x * 100) + "%";
      marker.style.top = (y * 100) + "%";
    }

    function fromInputs() {
      var x = inputX ? parseFloat(inputX.value) : parseFloat(picker.dataset.x);
      var y = inputY ? parseFloat(inputY.value) : parseFloat(picker.dataset.y);
      if (!isNaN(x) && !isNaN(y)) place(Math.min(1, Math.max(0, x)), Math.min(1, Math.max(0, y)));
    }

    fromInputs();
    if (!picker.classList.contains("editable") || !inputX || !inputY) return;
    picker.addEventListener("click", function (event) {
      var box = picker.getBoundingClientRect();
      var x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      var y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
      inputX.value = x.toFixed(4);
      inputY.value = y.toFixed(4);
      place(x, y);
    });
    inputX.addEventListener("input", fromInputs);
    inputY.addEventListener("input", fromInputs);
  }

  function setUpAutosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function setUpUploadButton() {
    var form = document.getElementById("upload-form");
    if (!form) return;
    form.addEventListener("submit", function () {
      var button = document.getElementById("upload-button");
      if (button) button.setAttribute("aria-busy", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpFocalPicker();
    setUpAutosubmit();
    setUpUploadButton();
  });
})();
