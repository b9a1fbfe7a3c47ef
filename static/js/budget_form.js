/* Live totals of the portal's budget form, announced by the balance's aria-live="polite".
   It mirrors budgets.rules.budget_totals (each chapter's sum, charges and produits without the
   contributions in kind 86/87, the lines « Demandé » without amount counted apart) and
   budgets.rules.balance_message (the balance's wording). The server stays the reference:
   « Recalculer » and every save show the totals computed by budgets/rules.py. Amounts are
   handled in integer cents, never as floating-point euros. */
(function () {
  "use strict";
  var summary = document.getElementById("erreurs");
  if (summary) { summary.focus(); }
  var form = document.querySelector("form[data-budget-form]");
  if (!form) { return; }
  var NNBSP = "\u202f", NBSP = "\u00a0";
  var isActual = form.hasAttribute("data-actual");
  var thresholdHundredths = parseInt(form.getAttribute("data-threshold-hundredths") || "1500", 10);

  /* Return the cents typed in ``text`` (French or English separators), null if empty, NaN if invalid. */
  function parseCents(text) {
    var t = (text || "").replace(/[\s\u00a0\u202f\u2009\u2007]/g, "").replace(/(€|eur(os?)?)$/i, "");
    if (t === "") { return null; }
    if (t.indexOf(",") >= 0 && t.indexOf(".") >= 0) {
      if (t.lastIndexOf(",") > t.lastIndexOf(".")) { t = t.replace(/\./g, "").replace(",", "."); }
      else { t = t.replace(/,/g, ""); }
    } else if (t.indexOf(",") >= 0) {
      t = t.replace(",", ".");
    } else if (/^\d{1,3}(\.\d{3})+$/.test(t)) {
      t = t.replace(/\./g, "");
    }
    var m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(t);
    if (!m) { return NaN; }
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }

  function group(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, NNBSP);
  }

  /* Format cents like the server (conventions.money.format_euros): « 66 000 € », « 1 234,56 € ». */
  function euros(cents) {
    var sign = cents < 0 ? "-" : "", abs = Math.abs(cents);
    var whole = Math.floor(abs / 100), rest = abs % 100;
    return sign + group(String(whole)) + (rest ? "," + (rest < 10 ? "0" : "") + rest : "") + NBSP + "€";
  }

  function signedEuros(cents) {
    return (cents > 0 ? "+" : cents < 0 ? "\u2212" : "") + euros(Math.abs(cents));
  }

  function signedPercent(diff, forecast) {
    if (!forecast) { return "—"; }
    var hundredths = Math.round(Math.abs(diff) * 10000 / forecast);
    var text = group(String(Math.floor(hundredths / 100))) + "," + String(hundredths % 100 + 100).slice(1) + NBSP + "%";
    return (diff > 0 ? "+" : diff < 0 ? "\u2212" : "") + text;
  }

  function setText(selector, text) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (el) { el.textContent = text; });
  }

  /* « dont 1 montant non chiffré », as the server's core.money.unknown_amounts_note; "" for none. */
  function unknownNote(count) {
    if (!count) { return ""; }
    return "dont " + count + (count > 1 ? " montants non chiffrés" : " montant non chiffré");
  }

  function withNote(text, count) {
    return count ? text + " (" + unknownNote(count) + ")" : text;
  }

  /* A co-funder « Demandé » with its amount left empty: not known yet (budgets.forms._asked_unknown). */
  function isUnknown(input) {
    if (isActual || input.value.trim() !== "") { return false; }
    var row = input.closest("tr");
    var status = row && row.querySelector("select[name$='funding_status']");
    var label = row && row.querySelector("input[name$='-label']");
    return !!status && status.value === "requested" && !!label && label.value.trim() !== "";
  }

  function recompute() {
    var sums = { charges: 0, produits: 0, inKindCharges: 0, inKindProduits: 0, unknown: 0 }, chapters = {}, unknownIn = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[data-side]"), function (input) {
      var cents = parseCents(input.value);
      if (cents === null || isNaN(cents)) { cents = 0; }
      var chapter = input.getAttribute("data-chapter");
      chapters[chapter] = (chapters[chapter] || 0) + cents;
      if (isUnknown(input)) { sums.unknown += 1; unknownIn[chapter] = (unknownIn[chapter] || 0) + 1; }
      var inKind = input.getAttribute("data-in-kind") === "1";
      if (input.getAttribute("data-side") === "charges") { sums[inKind ? "inKindCharges" : "charges"] += cents; }
      else { sums[inKind ? "inKindProduits" : "produits"] += cents; }
      if (isActual) { updateVariance(input, input.value.trim() === "" ? null : cents); }
    });
    Object.keys(chapters).forEach(function (code) {
      setText('[data-chapter-total="' + code + '"]', withNote(euros(chapters[code]), unknownIn[code]));
    });
    setText('[data-total="charges"]', euros(sums.charges));
    setText('[data-total="produits"]', withNote(euros(sums.produits), sums.unknown));
    setText('[data-total="in-kind-charges"]', euros(sums.inKindCharges));
    setText('[data-total="in-kind-produits"]', euros(sums.inKindProduits));
    setText('[data-total="gap"]', euros(sums.charges - sums.produits));
    showBalance(sums);
  }

  function showBalance(sums) {
    var box = document.querySelector("[data-balance]");
    if (!box) { return; }
    var gap = sums.charges - sums.produits, kindGap = sums.inKindCharges - sums.inKindProduits, reasons = [];
    /* The same messages as budgets.rules.balance_message. */
    if (sums.unknown && gap > 0 && kindGap === 0) {
      box.textContent = "L'équilibre du budget ne peut pas être vérifié : " + sums.unknown
        + (sums.unknown > 1 ? " montants ne sont pas chiffrés" : " montant n'est pas chiffré")
        + " ; les charges dépassent les produits chiffrés de " + euros(gap) + ".";
      box.className = "balance is-unbalanced";
      return;
    }
    if (gap > 0) { reasons.push("les charges dépassent les produits de " + euros(gap)); }
    if (gap < 0) { reasons.push("les produits dépassent les charges de " + euros(-gap)); }
    if (gap === 0 && sums.unknown) { reasons.push("les produits chiffrés égalent déjà les charges"); }
    if (kindGap > 0) { reasons.push("les emplois des contributions en nature (86) dépassent les ressources (87) de " + euros(kindGap)); }
    if (kindGap < 0) { reasons.push("les ressources des contributions en nature (87) dépassent les emplois (86) de " + euros(-kindGap)); }
    if (reasons.length && sums.unknown) { reasons[reasons.length - 1] += " (" + unknownNote(sums.unknown) + ")"; }
    box.textContent = reasons.length ? "Le budget n'est pas équilibré : " + reasons.join(" ; ") + "."
      : "Budget équilibré : les charges égalent les produits, et les emplois (86) les contributions en nature (87).";
    box.className = "balance " + (reasons.length ? "is-unbalanced" : "is-balanced");
  }

  function updateVariance(input, cents) {
    var row = input.closest("tr");
    if (!row || !row.hasAttribute("data-forecast-cents")) { return; }
    var forecast = parseInt(row.getAttribute("data-forecast-cents"), 10) || 0;
    var cell = row.querySelector("[data-variance]");
    if (cents === null && !forecast) {
      if (cell) { cell.textContent = "—"; }
      row.classList.remove("needs-explanation");
      return;
    }
    var diff = (cents || 0) - forecast;
    if (cell) {
      cell.innerHTML = "";
      cell.appendChild(document.createTextNode(signedEuros(diff)));
      cell.appendChild(document.createElement("br"));
      var pct = document.createElement("span");
      pct.className = "muted";
      pct.textContent = signedPercent(diff, forecast);
      cell.appendChild(pct);
    }
    var needs = diff !== 0 && (forecast === 0 || Math.abs(diff) * 10000 > thresholdHundredths * forecast);
    row.classList.toggle("needs-explanation", needs);
  }

  if (form.querySelector("input[data-side]")) { recompute(); }

  var timer = null;
  function affectsTotals(target) {
    return target.hasAttribute("data-side") || /(funding_status|-label)$/.test(target.name || "");
  }

  form.addEventListener("change", function (event) { if (affectsTotals(event.target)) { recompute(); } });
  form.addEventListener("input", function (event) {
    if (!affectsTotals(event.target)) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(recompute, 150);
  });
})();
