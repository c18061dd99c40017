// d2lbook: the search page.
// - Result snippets come from the page's text without its chrome (the article header with the
//   language, download and Colab buttons, the "Contents" sidebar, the footers): Sphinx takes
//   the text of the whole [role=main] element, which the theme's chrome is part of.
// - The language switcher on the search page keeps the query (?q=...), so switching language
//   searches the other edition for the same words.
(function () {
  "use strict";
  var CHROME = [".bd-header-article", ".onlyprint", ".bd-sidebar-secondary",
                ".bd-footer-article", ".prev-next-footer", ".bd-footer-content", ".bd-footer",
                ".d2l-page-tools", ".d2l-page-footer", ".d2l-translation-notice"].join(",");

  function withoutChrome() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.d2lbookClean) return;
    var original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(CHROME).forEach(function (el) { el.remove(); });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.d2lbookClean = true;
  }

  function keepQuery() {
    var query = window.location.search;
    if (!query || !/[?&]q=/.test(query)) return;
    document.querySelectorAll("a.d2l-lang-switch").forEach(function (link) {
      if (/\/search\.html$/.test(link.pathname)) link.search = query;
    });
  }

  withoutChrome();
  document.addEventListener("DOMContentLoaded", function () { withoutChrome(); keepQuery(); });
})();
