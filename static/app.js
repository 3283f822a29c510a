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

  // Esc cancels the editor or the delete prompt the focus is in; Ctrl+Enter (or Cmd+Enter)
  // saves the editor; `f` outside any field focuses the page's filter box (`/` is kept
  // for a global search).
  function isField(el) {
    return Boolean(el && (el.isContentEditable ||
      (el.closest && el.closest("input, textarea, select, [contenteditable]"))));
  }

  function cancelIn(box) {
    var cancel = box.querySelector("[data-cancel]");
    if (!cancel) { return false; }
    if (window.htmx && cancel.hasAttribute("hx-get")) {
      // Ask htmx directly (target and swap as the link says): a synthetic click on a
      // link could follow its href instead of swapping.
      window.htmx.ajax("GET", cancel.getAttribute("hx-get"), { source: cancel });
    } else {
      cancel.click();
    }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var box = target.closest && target.closest("form[data-editor], [data-confirm]");
    if (event.key === "Escape" && box) {
      if (cancelIn(box)) { event.preventDefault(); }
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && box && box.matches("form")) {
      event.preventDefault();
      box.requestSubmit();
    } else if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !isField(target)) {
      var search = document.querySelector("input[data-site-search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "f" && !event.ctrlKey && !event.metaKey && !event.altKey && !isField(target)) {
      var filter = document.querySelector("input[data-filter]");
      if (filter) { event.preventDefault(); filter.focus(); filter.select(); }
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
      if (region) {
        event.preventDefault();  // the form goes; no need to load the page again
        region.replaceChildren();
        var back = origin && origin.el && origin.el.isConnected ? origin.el :
          document.querySelector('[data-write="new"]');
        if (back) { back.focus(); }
      }
    }
  });

  // Notices a full page carries for after a redirect (e.g. "Published ..."), and the
  // messages base.html renders as toasts (a flash), which leave like any toast.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-toast]").forEach(function (el) {
      toast(el.getAttribute("data-toast"), "info");
    });
    document.querySelectorAll("[data-flash]").forEach(function (item) {
      var error = item.classList.contains("error");
      setTimeout(function () { item.remove(); }, error ? 10000 : 5000);
    });
    showHighlighted(document);
  });

  // Tests and people alike may act once htmx has processed the page.
  document.addEventListener("htmx:load", function (event) {
    if (event.target === document.body) { document.body.dataset.ready = "1"; }
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
      // A refusal (422) is swapped in, so it counts as "successful": look at the status.
      var status = event.detail.xhr ? event.detail.xhr.status : 0;
      if (bar && (!event.detail.successful || status >= 400)) { bar.hidden = true; bar.value = 0; }
    }
  });

  // -- focus goes back where the person came from --------------------------------------
  // Edit, Delete (and their editor or prompt) remember the row (data-row) and the control
  // (data-write); when the row or the detail comes back, focus returns to that control;
  // when the row is gone (deleted), to the row that took its place.
  var origin = null;

  function rowOf(el) {
    var tr = el.closest && el.closest("tr[data-row]");
    return tr ? tr.getAttribute("data-row") : null;
  }

  function neighbourOf(el) {
    var tr = el.closest && el.closest("tr[data-row]");
    var next = tr && (tr.nextElementSibling || tr.previousElementSibling);
    return next && next.hasAttribute("data-row") ? next.getAttribute("data-row") : null;
  }

  function findRow(name) {
    var rows = document.querySelectorAll("tr[data-row]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-row") === name) { return rows[i]; }
    }
    return null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt.closest) { return; }
    var write = elt.closest("[data-write]");
    var confirmBox = elt.closest("[data-confirm]");
    var inPlace = elt.closest("tr[data-row], #detail");
    if (write) {
      origin = { row: rowOf(elt), write: write.getAttribute("data-write"), el: write };
    } else if (confirmBox && elt.matches("[hx-post]")) {
      origin = { row: rowOf(elt), write: "delete", gone: true, neighbour: neighbourOf(elt) };
    } else if (inPlace && (!origin || origin.row !== rowOf(elt))) {
      origin = { row: rowOf(elt), write: confirmBox ? "delete" : "edit" };
    }
  });

  function focusBack(box) {
    if (box.querySelector("form[data-editor]")) { return false; }  // autofocus has it
    var confirmBox = box.matches("[data-confirm]") ? box : box.querySelector("[data-confirm]");
    var control = confirmBox ? confirmBox.querySelector("[data-cancel]") :
      box.querySelector('[data-write="' + origin.write + '"]') || box.querySelector("[data-write], a");
    if (control) { control.focus(); }
    return !confirmBox;
  }

  document.addEventListener("htmx:load", function (event) {
    var el = event.target;
    if (el.matches && el.matches("#sheet-table")) { showHighlighted(el); }
    if (!origin || origin.gone || !el.matches) { return; }
    var mine = origin.row !== null ?
      el.matches("tr[data-row]") && el.getAttribute("data-row") === origin.row :
      el.matches("#detail, .buttons[data-confirm]");
    if (mine && focusBack(el)) { origin = null; }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!origin || !origin.gone || !event.detail.successful) { return; }
    var gone = origin;
    if (gone.row !== null && findRow(gone.row)) { return; }  // refused: the prompt stays
    origin = null;
    var next = gone.neighbour !== null ? findRow(gone.neighbour) : null;
    var control = next ? next.querySelector("td.name a") : document.querySelector("input[data-filter]");
    if (control) { control.focus(); }
  });

  // The row just created: in view, and focused.
  function showHighlighted(root) {
    var row = root.querySelector("tr.highlight[data-row]");
    if (!row) { return; }
    row.scrollIntoView({ block: "center" });
    var link = row.querySelector("td.name a");
    if (link) { link.focus({ preventScroll: true }); }
  }

  // -- read-only: CloudBees CD refused a write here ---------------------------------------
  document.addEventListener("readOnly", function () {
    document.querySelectorAll("[data-writes]").forEach(function (box) {
      box.classList.add("read-only");
      var note = box.querySelector("[data-read-only-note]");
      if (note) { note.hidden = false; }
    });
  });

  document.addEventListener("click", function (event) {
    var again = event.target.closest && event.target.closest("[data-try-anyway]");
    if (!again) { return; }
    var box = again.closest("[data-writes]");
    if (!box) { return; }
    event.preventDefault();  // this page only: no reload, the next page hides them again
    box.classList.remove("read-only");
    again.closest("[data-read-only-note]").hidden = true;
    var first = box.querySelector("[data-write]");
    if (first) { first.focus(); }
  });

  window.propdesk = { toast: toast };
})();
