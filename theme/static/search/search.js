/* The search box: Pagefind's JS API over the index built with the site (no server).
 * The index comes in shards (plugins/entraide_search): shards.json lists them, the first is Pagefind's
 * primary index (its worker and WebAssembly load from there) and the others are merged into it, so one
 * search asks them all. Pagefind loads on the first use of the box, not with the page, so listing pages
 * stay light on a phone; the filters' options are in the page already. With no entry published there is
 * no index: the box says so. Results are written with text nodes only: titles and excerpts come from
 * residents. */
(function () {
  "use strict";

  var PAGE_SIZE = 10;
  var form = document.getElementById("search-form");
  if (!form || !("fetch" in window)) {
    return;
  }
  var bundle = form.getAttribute("data-bundle-url");
  var words = document.getElementById("search-words");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
  var pagefind = null;
  var ready = null;
  var pending = [];
  var asked = 0;

  function say(text) {
    status.textContent = text;
  }

  var NOTHING_YET = "Aucune annonce n'est publiée pour le moment : il n'y a encore rien à chercher.";
  var LOADING = "Chargement de la recherche…";

  function load() {
    if (!ready) {
      say(LOADING);
      form.setAttribute("aria-busy", "true");
      ready = fetch(bundle + "shards.json", { cache: "no-cache" }).then(function (answer) {
        if (!answer.ok) {
          throw new Error("shards.json: " + answer.status);
        }
        return answer.json();
      }).then(function (index) {
        if (!index.shards.length) {
          return null;
        }
        return import(bundle + "pagefind.js").then(function (module) {
          return open(module, index.shards);
        });
      }).then(function (opened) {
        pagefind = opened;
        form.removeAttribute("aria-busy");
        if (!pagefind) {
          say(NOTHING_YET);
        } else if (status.textContent === LOADING) {
          say(""); /* not a message the resident has been given since, such as "write a word" */
        }
      });
      ready.catch(failed);
    }
    return ready;
  }

  function open(module, shards) {
    var siteUrl = form.getAttribute("data-site-url");
    return module.options({ basePath: bundle + shards[0] + "/", baseUrl: siteUrl }).then(function () {
      return Promise.all(shards.slice(1).map(function (shard) {
        return module.mergeIndex(bundle + shard + "/", { baseUrl: siteUrl });
      }));
    }).then(function () {
      return module;
    });
  }

  function chosenFilters() {
    var filters = {};
    selects.forEach(function (select) {
      if (select.value) {
        filters[select.getAttribute("data-filter")] = select.value;
      }
    });
    return filters;
  }

  function search(event) {
    if (event) {
      event.preventDefault();
    }
    var query = words.value.trim();
    var filters = chosenFilters();
    if (!query) {
      /* Without words Pagefind would download most of its index (about 1 MB at 10,000 entries):
       * the lists by commune and by category already show that, for free. */
      say("Écrivez au moins un mot. Pour tout voir dans une commune ou une catégorie, utilisez les listes.");
      words.focus();
      return;
    }
    var number = ++asked;
    load().then(function () {
      if (!pagefind) {
        return null;
      }
      say("Recherche en cours…");
      return pagefind.search(query, { filters: filters });
    }).then(function (found) {
      if (number !== asked) {
        return;
      }
      list.textContent = "";
      if (!found) {
        more.hidden = true;
        say(NOTHING_YET);
        return;
      }
      pending = found.results;
      showMore().then(function () {
        var count = found.results.length;
        say(count === 0 ? "Aucune annonce ne correspond. Essayez un autre mot ou une autre commune."
          : count === 1 ? "1 annonce trouvée." : count + " annonces trouvées.");
      });
    }).catch(failed);
  }

  function showMore() {
    var batch = pending.slice(0, PAGE_SIZE);
    pending = pending.slice(PAGE_SIZE);
    return Promise.all(batch.map(function (result) { return result.data(); })).then(function (pages) {
      pages.forEach(function (data) { list.appendChild(resultItem(data)); });
      more.hidden = pending.length === 0;
    });
  }

  function resultItem(data) {
    var item = document.createElement("li");
    item.className = "search__result";
    var title = document.createElement("a");
    title.href = data.url;
    title.textContent = (data.meta && data.meta.title) || data.url;
    var heading = document.createElement("h3");
    heading.className = "search__result-title";
    heading.appendChild(title);
    item.appendChild(heading);
    var where = [];
    selects.slice().reverse().forEach(function (select) {
      where = where.concat(data.filters[select.getAttribute("data-filter")] || []);
    });
    if (where.length) {
      var meta = document.createElement("p");
      meta.className = "search__result-meta";
      meta.textContent = where.join(" · ");
      item.appendChild(meta);
    }
    var excerpt = document.createElement("p");
    excerpt.className = "search__result-excerpt";
    appendExcerpt(excerpt, data.excerpt || "");
    item.appendChild(excerpt);
    return item;
  }

  /* Pagefind's excerpt is escaped text with <mark> around the words found. It is parsed in an inert
   * document (nothing runs, nothing loads) and rebuilt here from text nodes and <mark> only. */
  function appendExcerpt(target, html) {
    var parsed = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html").body;
    Array.prototype.forEach.call(parsed.childNodes, function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        target.appendChild(mark);
      } else {
        target.appendChild(document.createTextNode(node.textContent));
      }
    });
  }

  function failed() {
    say("La recherche ne répond pas. Parcourez les annonces par commune ou par catégorie.");
  }

  form.hidden = false;
  form.addEventListener("focusin", load);
  form.addEventListener("pointerdown", load);
  form.addEventListener("submit", search);
  more.addEventListener("click", function () { showMore(); });
})();
