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
    toast("propdesk did not answer. Check your connection; nothing was lost on this page.", "error");
  });

  window.propdesk = { toast: toast };
})();
