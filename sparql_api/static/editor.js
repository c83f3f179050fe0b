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

  // The editor never asks for more rows than a browser table shows at ease (the server's own limit
  // is for programs): a query without a LIMIT of at most `rows` is sent with LIMIT rows+1, and a
  // row past `rows` only tells that there are more.
  var rows = parseInt(root.getAttribute("data-row-limit"), 10) || 1000;

  /* The LIMIT, OFFSET and VALUES keywords of the query itself: outside braces (so not a subquery's),
     comments, strings and IRIs. */
  function topLevelKeywords(text) {
    var found = [], depth = 0, i = 0, n = text.length, match;
    var iri = /<[^<>"{}|^`\\\u0000-\u0020]*>/y, word = /[A-Za-z_][A-Za-z0-9_-]*/y;
    while (i < n) {
      var c = text[i];
      if (c === "#") {
        while (i < n && text[i] !== "\n") i++;
      } else if (c === '"' || c === "'") {
        var close = text.substr(i, 3) === c + c + c ? c + c + c : c;
        i += close.length;
        while (i < n && text.substr(i, close.length) !== close) i += text[i] === "\\" ? 2 : 1;
        i += close.length;
      } else if (c === "<") {
        iri.lastIndex = i;
        i = (match = iri.exec(text)) ? i + match[0].length : i + 1;
      } else if (c === "{") {
        depth++; i++;
      } else if (c === "}") {
        depth--; i++;
      } else if (/[A-Za-z_]/.test(c)) {
        word.lastIndex = i;
        match = word.exec(text);
        var keyword = match[0].toUpperCase(), end = i + match[0].length;
        if (depth === 0 && !/[?$:\w]/.test(text[i - 1] || " ") && text[end] !== ":" &&
            (keyword === "LIMIT" || keyword === "OFFSET" || keyword === "VALUES")) {
          found.push({ keyword: keyword, start: i, end: end });
        }
        i = end;
      } else {
        i++;
      }
    }
    return found;
  }

  /* The query as the editor sends it, and the number of rows it shows (null: as many as come). */
  function bounded(text, type) {
    if (type !== "SELECT" && type !== "CONSTRUCT" && type !== "DESCRIBE") return { text: text, rows: null };
    var graph = type !== "SELECT", asked = graph ? rows : rows + 1;
    var keywords = topLevelKeywords(text);
    var limits = keywords.filter(function (k) { return k.keyword === "LIMIT"; });
    if (limits.length) {
      var limit = limits[limits.length - 1], number = /^\s+([0-9]+)/.exec(text.slice(limit.end));
      if (!number || parseInt(number[1], 10) <= rows) return { text: text, rows: null };
      var at = limit.end + number[0].length - number[1].length;
      return { text: text.slice(0, at) + asked + text.slice(at + number[1].length), rows: rows, graph: graph };
    }
    var values = keywords.filter(function (k) { return k.keyword === "VALUES"; }), end = text.length;
    if (values.length) end = values[values.length - 1].start;  // the LIMIT goes before a trailing VALUES
    return { text: text.slice(0, end) + "\nLIMIT " + asked + "\n" + text.slice(end), rows: rows, graph: graph };
  }

  function adjust(yasqe) {
    var sent = bounded(yasqe.getValue(), yasqe.getQueryMode() === "update" ? "UPDATE" : yasqe.getQueryType());
    yasqe.nolsiSent = sent;
    return sent.text;
  }

  // A response with more than `rows` rows is cut to `rows` before YASR reads it, and says so.
  var setResponse = Yasgui.Yasr.prototype.setResponse;
  Yasgui.Yasr.prototype.setResponse = function (response, duration) {
    var sent = this.nolsiSent;
    this.nolsiSent = null;
    var notice = null;
    if (sent && sent.rows && response && typeof response.content === "string") {
      var type = response.headers && response.headers.get ? response.headers.get("Content-Type") || "" : "";
      if (!sent.graph && type.indexOf("json") >= 0) {
        try {
          var results = JSON.parse(response.content);
          if (results.results && results.results.bindings.length > sent.rows) {
            results.results.bindings = results.results.bindings.slice(0, sent.rows);
            response = Object.assign({}, response, { content: JSON.stringify(results) });
            notice = "Showing " + sent.rows.toLocaleString("en") + " rows of more. The editor asks for at most " +
              sent.rows.toLocaleString("en") + " rows; page through the rest with LIMIT and OFFSET, or send the " +
              "query to " + endpoint + " from any client for the whole answer.";
          }
        } catch (error) { /* not SPARQL JSON: shown as it came */ }
      } else if (sent.graph) {
        notice = "The editor built this graph from at most " + sent.rows.toLocaleString("en") +
          " solutions; send the query to " + endpoint + " from any client for the whole graph.";
      }
    }
    if (!notice && response && response.headers && response.headers.get &&
        response.headers.get("Result-Truncated") === "true") {
      notice = "The answer was cut at the server's row limit of " + response.headers.get("Result-Row-Limit") + " rows.";
    }
    var result = setResponse.call(this, response, duration);
    var line = this.rootEl.querySelector(":scope > p.result-cut");
    if (!line) {
      line = document.createElement("p");
      line.className = "result-cut";
      line.setAttribute("role", "status");
      this.rootEl.insertBefore(line, this.resultsEl);
    }
    line.textContent = notice || "";
    line.hidden = !notice;
    this.nolsiLabelled = label(this);
    return result;
  };

  /* Result tables: an IRI of this graph links to its page here (/doc/...), as the entity pages do,
     not to w3id.org; an IRI the graph labels shows its label, the IRI in its title. The labels of an
     answer's IRIs are asked for once it is shown, and written into the table as they come. */
  var iriBase = root.getAttribute("data-iri-base") || "";
  var labels = Object.create(null);  // IRI -> the label to show
  // The prefixes every query may use undeclared (sparql_api/prologue.py): for IRIs with no label.
  var predeclared = JSON.parse(root.getAttribute("data-prefixes") || "{}");
  var LABELLED_BY = ["skos:prefLabel", "rdfs:label", "foaf:name", "schema:name", "dct:title"];
  var LANGUAGES = ["en", "nb", "", "no", "nn"];
  var IRIREF = /^[^<>"{}|^`\\\u0000-\u0020]+$/;
  var MOST_LABELLED = 5000;

  function localHref(iri) {
    if (!iriBase || iri.indexOf(iriBase) !== 0) return iri;
    var rest = iri.slice(iriBase.length);
    if (rest.indexOf("id/") === 0) return "/doc/" + rest.slice(3).replace(/\/+$/, "");
    if (rest.indexOf("vocab/") === 0) return "/doc/vocab/" + rest.slice(6).replace(/\/+$/, "");
    return "/" + rest;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function prefixed(iri, prefixes) {
    for (var name in prefixes || {}) {
      if (iri.indexOf(prefixes[name]) === 0 && iri.length > prefixes[name].length) {
        return name + ":" + iri.slice(prefixes[name].length);
      }
    }
    return null;
  }

  var Table = Yasgui.Yasr.plugins.table;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    var iri = binding.value, href = localHref(iri), name = prefixed(iri, prefixes) || prefixed(iri, predeclared);
    var text = labels[iri] || name || (this.persistentConfig.compact ? iri : "<" + iri + ">");
    return "<a class='iri' href='" + escapeHtml(href) + "' title='" + escapeHtml(iri) + "'" +
      (href === iri ? " target='_blank' rel='noopener noreferrer'" : "") + ">" + escapeHtml(text) + "</a>";
  };

  function pickLabel(found) {
    found.sort(function (a, b) {
      var la = LANGUAGES.indexOf(a.lang), lb = LANGUAGES.indexOf(b.lang);
      la = la < 0 ? LANGUAGES.length : la;
      lb = lb < 0 ? LANGUAGES.length : lb;
      return la - lb || a.rank - b.rank || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
    });
    return found[0].text;
  }

  /* Ask the endpoint for the labels of the IRIs of an answer not yet known, then show them. */
  function label(yasr) {
    var bindings = (yasr.results && yasr.results.getBindings && yasr.results.getBindings()) || [];
    var wanted = {}, count = 0;
    bindings.forEach(function (row) {
      Object.keys(row).forEach(function (name) {
        var term = row[name];
        if (term.type === "uri" && !(term.value in labels) && !wanted[term.value] && IRIREF.test(term.value) &&
            count < MOST_LABELLED) {
          wanted[term.value] = true;
          count++;
        }
      });
    });
    var iris = Object.keys(wanted);
    if (!iris.length) return Promise.resolve();
    var query = "SELECT ?x ?p ?label WHERE { VALUES ?x { " + iris.map(function (iri) { return "<" + iri + ">"; })
      .join(" ") + " } VALUES ?p { " + LABELLED_BY.join(" ") + " } ?x ?p ?label }";
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/sparql-results+json" },
      body: "query=" + encodeURIComponent(query),
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        var found = {};
        iris.forEach(function (iri) { labels[iri] = null; });  // asked: not asked again
        ((answer && answer.results.bindings) || []).forEach(function (row) {
          (found[row.x.value] = found[row.x.value] || []).push({
            text: row.label.value,
            lang: (row.label["xml:lang"] || "").toLowerCase(),
            rank: LABELLED_BY.indexOf(prefixed(row.p.value, predeclared)),
          });
        });
        Object.keys(found).forEach(function (iri) { labels[iri] = pickLabel(found[iri]); });
        Array.prototype.forEach.call(yasr.resultsEl.querySelectorAll("a.iri[title]"), function (link) {
          var shown = labels[link.getAttribute("title")];
          if (shown) link.textContent = shown;
        });
      })
      .catch(function () { /* the IRIs stay as they are */ });
  }

  var yasgui = new Yasgui(root, {
    persistenceId: "nolsi-yasgui",
    copyEndpointOnNewTab: true,
    requestConfig: {
      endpoint: endpoint,
      method: "POST",
      acceptHeaderGraph: "text/turtle,*/*;q=0.9",
      adjustQueryBeforeRequest: adjust,
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

  // A tab's response reaches its YASR right after this event: hand over what was sent.
  yasgui.on("queryResponse", function (instance, tab) {
    var yasqe = tab.getYasqe(), yasr = tab.getYasr();
    if (yasr) yasr.nolsiSent = yasqe && yasqe.nolsiSent;
  });

  window.nolsiEditor = {
    yasgui: yasgui, endpoint: endpoint, openExample: openExample, bounded: bounded, rows: rows, localHref: localHref,
  };
})();
