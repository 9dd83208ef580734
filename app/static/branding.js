/* The branding page: a colour picker beside the accent field, and a live preview of what is typed. */
  (function () {
    var input = document.getElementById("accent_colour");
    var box = document.getElementById("branding-preview");
    var button = document.getElementById("branding-preview-button");
    var note = document.getElementById("branding-preview-note");
    if (!input || !box) { return; }
    function luminance(hex) {
      return [1, 3, 5].map(function (i) {
        var c = parseInt(hex.substr(i, 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      }).reduce(function (sum, c, i) { return sum + c * [0.2126, 0.7152, 0.0722][i]; }, 0);
    }
    function contrast(a, b) { return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }
    var picker = document.createElement("input");
    picker.type = "color";
    picker.className = "form-control form-control-color mt-2";
    picker.setAttribute("aria-label", "Pick the accent colour");
    input.insertAdjacentElement("afterend", picker);
    function show(value) {
      if (!/^#[0-9a-fA-F]{6}$/.test(value)) { return; }
      var l = luminance(value.toLowerCase());
      var text = contrast(l, 1) >= contrast(l, luminance("#212529")) ? "#ffffff" : "#212529";
      box.classList.remove("bg-backline");
      box.style.background = value;
      box.style.color = text;
      button.style.cssText = "--bs-btn-disabled-bg:" + value + ";--bs-btn-disabled-border-color:" + value +
        ";--bs-btn-disabled-color:" + text + ";opacity:1;";
      note.textContent = (text === "#ffffff" ? "White" : "Dark") + " text keeps it readable.";
      picker.value = value.toLowerCase();
    }
    show(input.value.trim());
    input.addEventListener("input", function () { show(input.value.trim()); });
    picker.addEventListener("input", function () { input.value = picker.value; show(picker.value); });
  })();
