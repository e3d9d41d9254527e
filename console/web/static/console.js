// Keyboard for the console: "?" opens the help, "/" goes to the search box, "g i" to the
// inbox, "j"/"k" move through a list's cases. Keys typed into a field are left alone.
(function () {
  "use strict";
  var help = document.getElementById("help");
  var pendingG = false;
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }
  document.querySelectorAll(".help-open").forEach(function (b) { b.addEventListener("click", toggleHelp); });
  function moveRow(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("a.case-link"));
    if (!links.length) return;
    var i = links.indexOf(document.activeElement);
    var next = i < 0 ? 0 : Math.min(links.length - 1, Math.max(0, i + step));
    links[next].focus();
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    if (pendingG) {
      pendingG = false;
      if (e.key === "i") { window.location.href = "/console/"; e.preventDefault(); }
      return;
    }
    switch (e.key) {
      case "?": toggleHelp(); e.preventDefault(); break;
      case "/": var q = document.getElementById("q"); if (q) { q.focus(); q.select(); e.preventDefault(); } break;
      case "g": pendingG = true; break;
      case "j": moveRow(1); e.preventDefault(); break;
      case "k": moveRow(-1); e.preventDefault(); break;
    }
  });
  // A saved reply chosen by name goes into the reply box (after what is typed), to be edited
  // before sending; the box's input event updates the SMS preview.
  document.querySelectorAll("select.saved-reply").forEach(function (sel) {
    sel.addEventListener("change", function () {
      var box = document.getElementById(sel.dataset.target);
      if (!box || !sel.value) return;
      box.value = box.value.trim() ? box.value.trim() + " " + sel.value : sel.value;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
      sel.value = "";
    });
  });
  document.documentElement.dataset.keys = "ready"; // the shortcuts listen from here on
})();
