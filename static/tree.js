// The sheet tree (WAI-ARIA tree pattern): one focusable item at a time (roving tabindex),
// arrow keys move and open, each level is fetched the first time it opens (list items the
// server escaped), and what is open is remembered for this tab while the user moves around.
(function () {
  "use strict";
  var KEY = "propdesk.tree.open";

  function opened() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function remember(src, open) {
    var list = opened().filter(function (s) { return s !== src; });
    if (open) { list.push(src); }
    try { sessionStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  // A level's items are bare (a link each: a level may hold thousands); the top item knows
  // the browse root and the tree root, so any item's source follows from its link.
  function srcOf(item) {
    if (item.dataset.treeSrc) { return item.dataset.treeSrc; }
    var top = item.closest("[data-tree]").querySelector("[role=treeitem]");
    var browse = top.querySelector(":scope > a").getAttribute("href");
    return top.dataset.treeSrc + item.querySelector(":scope > a").getAttribute("href").slice(browse.length);
  }

  function groupOf(item) {
    var group = item.querySelector(":scope > [role=group]");
    if (!group) {
      group = document.createElement("ul");
      group.setAttribute("role", "group");
      group.hidden = true;
      item.appendChild(group);
    }
    return group;
  }

  function load(item) {
    var group = groupOf(item);
    if (item.dataset.loaded) { return Promise.resolve(); }
    item.setAttribute("aria-busy", "true");
    return fetch(srcOf(item), { headers: { "X-Tree": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error(String(r.status))); })
      .then(function (html) {
        group.innerHTML = html;  // list items only, every name escaped by the server
        var level = String(Number(item.getAttribute("aria-level")) + 1);
        Array.prototype.forEach.call(group.children, function (child) {
          child.setAttribute("aria-level", level);
          child.setAttribute("aria-expanded", "false");
          child.tabIndex = -1;
          child.querySelector(":scope > a").tabIndex = -1;
        });
        item.dataset.loaded = "1";
        if (!group.children.length) { item.removeAttribute("aria-expanded"); }
      })
      .finally(function () { item.removeAttribute("aria-busy"); });
  }

  function setOpen(item, open) {
    if (!item.hasAttribute("aria-expanded")) { return Promise.resolve(); }
    var group = groupOf(item);
    if (!open) {
      item.setAttribute("aria-expanded", "false");
      group.hidden = true;
      remember(srcOf(item), false);
      return Promise.resolve();
    }
    return load(item).then(function () {
      if (!item.hasAttribute("aria-expanded")) { return; }
      item.setAttribute("aria-expanded", "true");
      group.hidden = false;
      remember(srcOf(item), true);
    });
  }

  function shown(tree) {
    return Array.prototype.filter.call(tree.querySelectorAll("[role=treeitem]"), function (i) {
      return i.parentElement.closest("[role=group][hidden]") === null;
    });
  }

  function focusItem(tree, item) {
    tree.querySelectorAll("[role=treeitem][tabindex='0']").forEach(function (i) { i.tabIndex = -1; });
    item.tabIndex = 0;
    item.focus();
  }

  function onKey(tree, event) {
    var item = event.target.closest("[role=treeitem]");
    if (!item) { return; }
    var items = shown(tree), at = items.indexOf(item), open = item.getAttribute("aria-expanded");
    var parent = item.parentElement.closest("[role=treeitem]");
    var moves = {
      ArrowDown: function () { if (items[at + 1]) { focusItem(tree, items[at + 1]); } },
      ArrowUp: function () { if (at > 0) { focusItem(tree, items[at - 1]); } },
      Home: function () { focusItem(tree, items[0]); },
      End: function () { focusItem(tree, items[items.length - 1]); },
      ArrowRight: function () {
        if (open === "false") { setOpen(item, true); }
        else if (open === "true" && groupOf(item).firstElementChild) {
          focusItem(tree, groupOf(item).firstElementChild);
        }
      },
      ArrowLeft: function () {
        if (open === "true") { setOpen(item, false); } else if (parent) { focusItem(tree, parent); }
      },
      Enter: function () { item.querySelector(":scope > a").click(); }
    };
    if (moves[event.key]) { event.preventDefault(); moves[event.key](); }
  }

  function restore(tree) {
    opened().reduce(function (done, src) {
      return done.then(function () {
        var item = Array.prototype.find.call(tree.querySelectorAll("[role=treeitem]"), function (i) {
          return srcOf(i) === src;
        });
        return item ? setOpen(item, true).catch(function () { remember(src, false); }) : null;
      });
    }, Promise.resolve());
  }

  // The tree sources from the top node down to the sheet a browse URL names: the top node's
  // link is the browse root and its source the tree root, so any path prefix carries over.
  function chain(tree, href) {
    var top = tree.querySelector("[role=treeitem]");
    var browse = top.querySelector(":scope > a").getAttribute("href");
    var root = top.dataset.treeSrc;
    if (href.indexOf(browse) !== 0) { return []; }
    var parts = href.slice(browse.length).split("/").filter(Boolean);
    var out = [root], at = root;
    var head = parts[0] === "projects" ? 2 : 1;  // an owner: "server" or "projects/P"
    if (parts.length < head) { return out; }
    at += parts.slice(0, head).join("/") + "/";
    out.push(at);
    parts.slice(head).forEach(function (name) { at += name + "/"; out.push(at); });
    return out;
  }

  // A sheet row's ▸ opens the tree down to that sheet, and the sheet itself.
  function reveal(tree, href) {
    var pane = tree.closest("[data-tree-pane]"), toggle = pane.querySelector("[data-tree-toggle]");
    pane.classList.add("open");
    if (toggle) { toggle.setAttribute("aria-expanded", "true"); }
    var last = null;
    chain(tree, href).reduce(function (done, src) {
      return done.then(function () {
        var item = Array.prototype.find.call(tree.querySelectorAll("[role=treeitem]"), function (i) {
          return srcOf(i) === src;
        });
        if (!item) { return Promise.reject(new Error("not in the tree")); }
        last = item;
        return setOpen(item, true);
      });
    }, Promise.resolve()).catch(function () { return null; }).then(function () {
      if (last) { focusItem(tree, last); last.scrollIntoView({ block: "nearest" }); }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-tree-reveal]");
    var tree = document.querySelector("[data-tree]");
    if (!button || !tree) { return; }
    var link = button.parentElement.querySelector("a");
    if (link) { reveal(tree, link.getAttribute("href")); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-tree]").forEach(function (tree) {
      tree.addEventListener("keydown", function (event) { onKey(tree, event); });
      tree.addEventListener("click", function (event) {
        var item = event.target;  // the item itself: its marker, not its link
        if (!item.matches || !item.matches("[role=treeitem]")) { return; }
        focusItem(tree, item);
        setOpen(item, item.getAttribute("aria-expanded") !== "true");
      });
      restore(tree);
    });
    document.querySelectorAll("[data-tree-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        var pane = button.closest("[data-tree-pane]");
        var open = pane.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });
  });
})();
