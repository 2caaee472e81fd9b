/* Entraide — the home page's commune picker: type a name or a postal code, the list narrows.
 * Without JavaScript the full list stays, with its postal codes. Names are compared without accents,
 * case or punctuation, and "St" stands for "Saint", so « st egreve » finds Saint-Égrève.
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim()
      .split(" ").map(function (word) { return { st: "saint", ste: "sainte" }[word] || word; }).join(" ");
  }

  function picker(section) {
    var items = Array.prototype.slice.call(section.querySelectorAll(".commune-list li"));
    var label = document.createElement("label");
    label.htmlFor = "commune-cherchee";
    label.textContent = "Nom de la commune ou code postal";
    var input = document.createElement("input");
    input.id = "commune-cherchee";
    input.type = "search";
    input.autocomplete = "off";
    input.setAttribute("aria-describedby", "communes-trouvees");
    var status = document.createElement("p");
    status.id = "communes-trouvees";
    status.setAttribute("role", "status");
    var field = document.createElement("div");
    field.className = "field";
    field.appendChild(label);
    field.appendChild(input);
    field.appendChild(status);
    section.insertBefore(field, section.querySelector(".commune-list"));

    input.addEventListener("input", function () {
      var query = fold(input.value);
      var shown = items.filter(function (item) {
        var name = fold(item.querySelector("a").textContent);
        var postal = item.querySelector(".commune-list__postal").textContent;
        var match = !query || (/^\d+$/.test(query) ? postal.split(/,\s*/).some(function (code) {
          return code.indexOf(query) === 0;
        }) : name.indexOf(query) !== -1);
        item.hidden = !match;
        return match;
      });
      status.textContent = query ? shown.length + (shown.length > 1 ? " communes trouvées" : " commune trouvée") : "";
    });
    input.addEventListener("keydown", function (event) {
      var shown = items.filter(function (item) { return !item.hidden; });
      if (event.key === "Enter" && shown.length === 1) { window.location.href = shown[0].querySelector("a").href; }
    });
  }

  document.querySelectorAll("[data-commune-picker]").forEach(picker);
}());
