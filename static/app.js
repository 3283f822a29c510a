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

  // Notices a full page carries for after a redirect (e.g. "Published ...").
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-toast]").forEach(function (el) {
      toast(el.getAttribute("data-toast"), "info");
    });
  });

  // Publish form: dependency rows, artifact picker, drag-and-drop, size check, progress.
  document.addEventListener("click", function (event) {
    var add = event.target.closest && event.target.closest("[data-add-row]");
    if (add) {
      var template = document.querySelector(add.getAttribute("data-add-row"));
      var rows = add.closest("fieldset").querySelector("[data-rows]");
      var clone = template.content.firstElementChild.cloneNode(true);
      rows.appendChild(clone);
      clone.querySelector("input").focus();
      return;
    }
    var remove = event.target.closest && event.target.closest("[data-remove-row]");
    if (remove) { remove.parentElement.remove(); }
  });

  document.addEventListener("change", function (event) {
    var picker = event.target.closest && event.target.closest("[data-fill-artifact]");
    if (picker && picker.value.indexOf(":") > 0) {
      var form = picker.form, parts = picker.value.split(":");
      form.elements.group_id.value = parts[0];
      form.elements.artifact_key.value = parts[1];
    }
    if (event.target.matches && event.target.matches("[data-files]")) { listFiles(event.target); }
  });

  function totalBytes(input) {
    var total = 0;
    for (var i = 0; i < input.files.length; i++) { total += input.files[i].size; }
    return total;
  }

  function listFiles(input) {
    var list = input.form.querySelector("[data-chosen]");
    if (!list) { return; }
    list.replaceChildren();
    for (var i = 0; i < input.files.length; i++) {
      var item = document.createElement("li");
      item.textContent = input.files[i].name + " (" + input.files[i].size + " bytes)";
      list.appendChild(item);
    }
  }

  document.addEventListener("dragover", function (event) {
    if (event.target.closest && event.target.closest("[data-dropzone]")) { event.preventDefault(); }
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone || !event.dataTransfer) { return; }
    event.preventDefault();
    var input = zone.querySelector("[data-files]");
    input.files = event.dataTransfer.files;
    listFiles(input);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-publish]")) { return; }
    var input = form.querySelector("[data-files]");
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var slot = document.getElementById("err-files");
    if (input && limit && totalBytes(input) > limit) {
      event.preventDefault();
      if (slot) { slot.textContent = "The files are larger than the upload limit of " + limit + " bytes; nothing was sent."; }
      return;
    }
    if (slot) { slot.textContent = ""; }
    var bar = form.querySelector("[data-progress]");
    if (bar && input && input.files.length) { bar.value = 0; bar.hidden = false; }
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("form[data-publish]");
    var bar = form && form.querySelector("[data-progress]");
    if (bar && event.detail.lengthComputable) {
      bar.value = Math.round(event.detail.loaded / event.detail.total * 100);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches("form[data-publish]")) {
      var bar = form.querySelector("[data-progress]");
      if (bar && !event.detail.successful) { bar.hidden = true; }
    }
  });

  window.propdesk = { toast: toast };
})();
