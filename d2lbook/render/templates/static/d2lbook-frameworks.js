// d2lbook: the "Open in Colab" buttons open the notebook of the framework the reader chose in
// the code tabs. sphinx-design keeps that choice in localStorage (one origin serves every page
// and both editions), so a page without tabs follows it too.
(function () {
  "use strict";
  var KEY = "sphinx-design-tab-id-tab";

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (err) { return null; }
  }

  function follow(framework) {
    if (!framework) return;
    var links = document.querySelectorAll("a[data-d2l-colab]");
    for (var i = 0; i < links.length; i++) {
      var urls;
      try { urls = JSON.parse(links[i].getAttribute("data-d2l-colab")); } catch (err) { continue; }
      if (urls[framework]) {
        links[i].href = urls[framework];
        links[i].setAttribute("data-framework", framework);
      }
    }
  }

  function chosenBy(target) {
    if (!target || !target.closest) return null;
    var label = target.closest("[data-sync-group='tab'][data-sync-id]");
    if (!label && target.nextElementSibling) {  // the radio input before its label
      label = target.nextElementSibling.closest("[data-sync-group='tab'][data-sync-id]");
    }
    return label ? label.getAttribute("data-sync-id") : null;
  }

  document.addEventListener("DOMContentLoaded", function () { follow(stored()); });
  document.addEventListener("click", function (ev) { follow(chosenBy(ev.target)); });
  document.addEventListener("change", function (ev) { follow(chosenBy(ev.target)); });
})();
