/* A SIRET or RNA typed in the association's form (admin, portal registration) fills the fields
   still empty from the public directory (beneficiaries/directory.py). Never overwrites what was
   typed; says plainly when the directory is off or does not answer. */
(function () {
  "use strict";
  var FIELDS = ["name", "acronym", "legal_form", "address", "postal_code", "city", "siret", "rna"];
  var SIRET = /^\d{14}$/;
  var RNA = /^W\d{9}$/;

  function compact(value) {
    return value.replace(/[\s.\u00a0\u202f]+/g, "").toUpperCase();
  }

  function statusFor(input) {
    var id = input.id + "-directory";
    var status = document.getElementById(id);
    if (!status) {
      status = document.createElement("p");
      status.id = id;
      status.className = "help directory-status";
      status.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", status);
    }
    return status;
  }

  function fill(form, fields) {
    var filled = [];
    FIELDS.forEach(function (name) {
      var input = form.elements[name];
      if (input && fields[name] && !input.value.trim()) {
        input.value = fields[name];
        input.dataset.directoryAsked = compact(fields[name]);  // a filled SIRET is not looked up again
        input.dispatchEvent(new Event("change", { bubbles: true }));
        filled.push(name);
      }
    });
    return filled;
  }

  function lookUp(input) {
    var value = compact(input.value);
    if (!SIRET.test(value) && !RNA.test(value)) {
      return;
    }
    var status = statusFor(input);
    if (input.dataset.directoryOff) {
      status.textContent = input.dataset.directoryOff;
      return;
    }
    if (input.dataset.directoryAsked === value) {
      return;
    }
    input.dataset.directoryAsked = value;
    status.textContent = "Recherche dans l\u2019annuaire\u2026";
    var url = input.dataset.directoryUrl + "?identifiant=" + encodeURIComponent(value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        var filled = answer.status === "found" ? fill(input.form, answer.fields || {}) : [];
        status.textContent = answer.message + (answer.status === "found" && !filled.length
          ? " Aucun champ vide \u00e0 compl\u00e9ter." : "");
        status.dataset.status = answer.status;
      })
      .catch(function () {
        status.textContent = "Annuaire injoignable : saisissez les informations \u00e0 la main.";
        status.dataset.status = "unreachable";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-directory-url]").forEach(function (input) {
      input.addEventListener("change", function () { lookUp(input); });
      input.addEventListener("blur", function () { lookUp(input); });
    });
  });
})();
