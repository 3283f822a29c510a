// propdesk behaviour: no inline handlers (the CSP forbids them), only listeners here.
(function () {
  "use strict";

  function toast(text, level) {
    var region = document.getElementById("notices");
    if (!region) { return; }
    var item = document.createElement("div");
    item.className = "toast" + (level === "error" ? " error" : "");
    item.setAttribute("role", level === "error" ? "alert" : "status");
    item.textContent = text;  // text only: never HTML from the server
    region.appendChild(item);
    setTimeout(function () { item.remove(); }, level === "error" ? 10000 : 5000);
  }

  document.addEventListener("notice", function (event) {
    var detail = event.detail || {};
    toast(String(detail.text || ""), detail.level);
  });

  document.addEventListener("htmx:sendError", function () {
    toast("propdesk did not answer. Check your connection; your text is still in the form.", "error");
  });

  // Esc cancels the editor the focus is in; Ctrl+Enter (or Cmd+Enter) saves it.
  document.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest("form[data-editor]");
    if (!form) { return; }
    if (event.key === "Escape") {
      var cancel = form.querySelector("[data-cancel]");
      if (cancel) { event.preventDefault(); cancel.click(); }
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent).then(function () {
          toast("Path copied.", "info");
        }, function () { toast("Copying needs clipboard permission; select the path instead.", "error"); });
      }
      return;
    }
    var clear = event.target.closest && event.target.closest("[data-clear]");
    if (clear) {
      var region = document.querySelector(clear.getAttribute("data-clear"));
      if (region) { region.replaceChildren(); }
    }
  });

  window.propdesk = { toast: toast };
})();
