/* The query editor on /sparql: YASGUI pointed at this endpoint, with the saved queries as examples.
 *
 * Loaded from a file, with no inline script or event handler, so that a Content-Security-Policy of
 * `script-src 'self'` holds. YASGUI itself comes from /static/yasgui/ (installed by npm, never a CDN).
 */
(function () {
  "use strict";

  var root = document.getElementById("yasgui");
  // The URL this page was loaded from is the endpoint, whatever host, port or proxy prefix it has.
  var endpoint = window.location.origin + window.location.pathname;

  // Nothing leaves this host: no autocompletion of classes and properties from the LOV service;
  // prefixes come from the list bundled in YASQE. (Set on the defaults: a config array would be
  // merged index by index into the default one, not replace it.)
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  Yasgui.Yasqe.defaults.prefixCcApi = null;

  var yasgui = new Yasgui(root, {
    persistenceId: "nolsi-yasgui",
    copyEndpointOnNewTab: true,
    requestConfig: {
      endpoint: endpoint,
      method: "POST",
      acceptHeaderGraph: "text/turtle,*/*;q=0.9",
    },
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: endpoint }];
      },
    },
    yasqe: { value: root.getAttribute("data-default-query") },
  });

  // An example opens in a tab of its own, or in the tab that already holds it.
  function openExample(title, query) {
    return yasgui.addTab(
      true,
      { name: title, yasqe: { value: query }, requestConfig: { endpoint: endpoint } },
      { avoidDuplicateTabs: true }
    );
  }

  Array.prototype.forEach.call(document.querySelectorAll("a[data-example]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      openExample(link.getAttribute("data-title"), link.getAttribute("data-query"));
    });
  });

  window.nolsiEditor = { yasgui: yasgui, endpoint: endpoint, openExample: openExample };
})();
