/* Pickers for the entity, concept and IRI parameters of a saved-query page.
 *
 * Each such <input data-lookup> asks /api/lookup (a label search, English and Norwegian) as the user
 * types and lists up to 20 matches under it; choosing one writes its slug (entity, concept) or its
 * IRI into the field. A file, not an inline script, for a `script-src 'self'` policy; it only adds
 * to a plain form, which works without it.
 */
(function () {
  "use strict";

  function picker(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var prefix = input.getAttribute("data-lookup-prefix") || "";
    var asSlug = input.getAttribute("data-lookup-value") === "slug";
    var timer = null, asked = 0, active = -1, items = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(item) {
      clearTimeout(timer);
      asked++;  // an answer still on its way is for text no longer there
      input.value = asSlug && item.iri.indexOf(prefix) === 0 ? item.iri.slice(prefix.length) : item.iri;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      Array.prototype.forEach.call(options, function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function show(results, more) {
      items = results;
      list.textContent = "";
      results.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.className = "label";
        label.textContent = item.label;
        option.appendChild(label);
        if (item.matched && item.matched !== item.label) {
          var matched = document.createElement("span");
          matched.className = "matched";
          matched.textContent = item.matched;
          option.appendChild(matched);
        }
        var value = document.createElement("code");
        value.textContent = asSlug && item.iri.indexOf(prefix) === 0 ? item.iri.slice(prefix.length) : item.iri;
        option.appendChild(value);
        // mousedown, not click: it comes before the input's blur, which closes the list
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(item);
        });
        list.appendChild(option);
      });
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = "Nothing with that in its name.";
        list.appendChild(none);
      } else if (more) {
        var hint = document.createElement("li");
        hint.className = "none";
        hint.textContent = "More match: type more of the name.";
        list.appendChild(hint);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function ask() {
      var number = ++asked;
      var url = input.getAttribute("data-lookup") + "?q=" + encodeURIComponent(input.value.trim()) +
        (prefix ? "&prefix=" + encodeURIComponent(prefix) : "");
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (found) {
          if (found && number === asked && document.activeElement === input) show(found.results, found.more);
        })
        .catch(function () { /* the plain field still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("focus", function () {
      if (!input.value) ask();  // an empty field lists the first choices
    });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        if (event.key === "ArrowDown") { ask(); event.preventDefault(); }
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
        event.preventDefault();
      } else if (event.key === "Enter" && active >= 0) {
        choose(items[active]);
        event.preventDefault();
      } else if (event.key === "Escape") {
        close();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-lookup]"), picker);
})();
