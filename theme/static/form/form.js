/* Entraide — the enhanced offer and request forms.
 *
 * Without JavaScript the forms post to the endpoint, which answers with its "Vérifiez votre annonce" preview.
 * With it, this script asks the endpoint for a signed form token when the form is shown (the proof of a
 * minimum time between showing and sending), sends the fields as JSON with an idempotency key, shows each
 * error next to its field, and shows the withdraw key on the page. Anything unexpected (no token, network
 * down, an answer it does not understand, a gateway's 502 or 504) falls back to the plain form, so nothing
 * typed is ever lost. The fallback carries the same submission id: when the JSON did reach the endpoint
 * (a gateway may time out after forwarding it), the endpoint recognises the form and files one entry.
 * Every text from the endpoint is shown with textContent, never as HTML.
 */
(function () {
  "use strict";

  var GATEWAY_STATUSES = [502, 504]; // a proxy's answers, never the endpoint's: the form may have been filed

  function endpointOf(form) {
    return form.action.replace(/\/submit$/, "");
  }

  function newSubmissionId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function fieldsOf(form) {
    var data = {};
    new FormData(form).forEach(function (value, key) { data[key] = String(value); });
    data.submission_id = form.dataset.submissionId;
    return data;
  }

  function controlFor(form, key) {
    return form.querySelector("#" + key) || form.querySelector("[name='" + key + "']");
  }

  function fieldBoxFor(form, key) {
    var control = controlFor(form, key);
    return control ? control.closest("fieldset.field, .field") : null;
  }

  function clearErrors(form) {
    var summary = form.parentNode.querySelector(".error-summary");
    if (summary) { summary.remove(); }
    form.querySelectorAll(".field__error").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".field--error").forEach(function (node) { node.classList.remove("field--error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (control) {
      control.removeAttribute("aria-invalid");
      var ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && !/-erreur$/.test(id);
      });
      if (ids.length) { control.setAttribute("aria-describedby", ids.join(" ")); }
      else { control.removeAttribute("aria-describedby"); }
    });
  }

  function showFieldError(form, key, message) {
    var box = fieldBoxFor(form, key);
    if (!box) { return null; }
    var id = key + "-erreur";
    var error = element("p", "help field__error", "Erreur : " + message);
    error.id = id;
    var heading = box.querySelector("legend, label");
    heading.parentNode.insertBefore(error, heading.nextSibling);
    box.classList.add("field--error");
    box.querySelectorAll("input, select, textarea").forEach(function (control) {
      control.setAttribute("aria-invalid", "true");
      var ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      ids.push(id);
      control.setAttribute("aria-describedby", ids.join(" "));
    });
    return controlFor(form, key);
  }

  function showErrors(form, message, errors) {
    clearErrors(form);
    var keys = Object.keys(errors || {});
    var labels = JSON.parse(form.dataset.labels || "{}");  // the form's declaration (entraide/forms.py)
    var summary = element("div", "error-summary");
    summary.setAttribute("role", "alert");
    summary.setAttribute("tabindex", "-1");
    summary.appendChild(element("h2", "", keys.length > 1 ? keys.length + " points à corriger" : "Un point à corriger"));
    var list = element("ul");
    if (!keys.length) { list.appendChild(element("li", "", message)); }
    keys.forEach(function (key) {
      var control = showFieldError(form, key, errors[key]);
      var item = element("li");
      var text = (labels[key] || key) + " : " + errors[key];
      if (control && control.id) {
        var link = element("a", "", text);
        link.href = "#" + control.id;
        item.appendChild(link);
      } else {
        item.textContent = text;
      }
      list.appendChild(item);
    });
    summary.appendChild(list);
    form.parentNode.insertBefore(summary, form);
    summary.focus();
  }

  function showThanks(form, answer) {
    var panel = element("section", "panel withdraw-key");
    panel.setAttribute("tabindex", "-1");
    panel.appendChild(element("h2", "", "Merci, votre annonce est envoyée"));
    panel.appendChild(element("p", "", answer.message || "Un modérateur la relit avant de la publier."));
    panel.appendChild(element("p", "", "Notez maintenant votre clé de retrait : elle ne sera plus affichée. " +
      "Avec le numéro de l'annonce, elle vous permet de la retirer à tout moment."));
    var facts = element("dl", "entry__facts");
    [["Numéro de l'annonce", answer.id, ""], ["Clé de retrait", answer.withdraw_key, "withdraw-key__value"]]
      .forEach(function (fact) {
        var row = element("div");
        row.appendChild(element("dt", "", fact[0]));
        var value = element("dd");
        value.appendChild(element("code", fact[2], fact[1]));
        row.appendChild(value);
        facts.appendChild(row);
      });
    panel.appendChild(facts);
    form.parentNode.replaceChild(panel, form);
    panel.focus();
  }

  function showAlreadyReceived(form, answer) {
    var panel = element("section", "panel");
    panel.setAttribute("tabindex", "-1");
    panel.appendChild(element("h2", "", "Annonce déjà reçue"));
    panel.appendChild(element("p", "", answer.message));
    form.parentNode.replaceChild(panel, form);
    panel.focus();
  }

  function fallBack(form) {
    var id = form.elements.submission_id || form.appendChild(element("input"));
    id.type = "hidden";
    id.name = "submission_id";
    id.value = form.dataset.submissionId;
    form.dataset.enhanced = "off";
    form.submit();
  }

  function send(form, button) {
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(fieldsOf(form)),
      credentials: "omit"
    }).then(function (response) {
      if (GATEWAY_STATUSES.indexOf(response.status) !== -1) { return { status: response.status, answer: {} }; }
      return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
    }).then(function (result) {
      button.disabled = false;
      if (result.status === 201 && result.answer.withdraw_key) { showThanks(form, result.answer); }
      else if (result.status === 200 && result.answer.status === "already_received") { showAlreadyReceived(form, result.answer); }
      else if (result.status >= 400 && result.answer.message) { showErrors(form, result.answer.message, result.answer.errors); }
      else { fallBack(form); }
    }).catch(function () {
      button.disabled = false;
      fallBack(form);
    });
  }

  function enhance(form) {
    form.dataset.submissionId = newSubmissionId();
    fetch(endpointOf(form) + "/token", { credentials: "omit", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (answer) {
        form.elements.form_token.value = answer.token;
        form.addEventListener("submit", function (event) {
          if (form.dataset.enhanced === "off") { return; }
          event.preventDefault();
          send(form, form.querySelector("button[type=submit]"));
        });
      })
      .catch(function () { /* no token: the plain form and its preview still work */ });
  }

  if (window.fetch && window.FormData && window.JSON) {
    document.querySelectorAll("form[data-entraide-form]").forEach(enhance);
  }
}());
