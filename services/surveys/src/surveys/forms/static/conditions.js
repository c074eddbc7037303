// The show_if rules of questionnaires/conditions.py, in the browser: the same JSON, the same
// meaning (an unanswered question satisfies no comparison; a condition sees only the answers
// of questions shown before it). Hides and shows the questions of the page as the
// respondent answers; without JavaScript the server applies them when the page is sent.
// tests/condition_cases.json holds this script and the Python evaluator to the same cases.
(function (root) {
  "use strict";
  function answered(v) {
    if (v === null || v === undefined) return false;
    if (typeof v === "string") return v.trim() !== "";
    if (Array.isArray(v)) return v.length > 0;
    if (typeof v === "object") return Object.keys(v).length > 0;
    return true;
  }
  function same(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") return a === b;
    if (Array.isArray(a) && Array.isArray(b)) {
      return a.length === b.length && a.every(function (x, i) { return same(x, b[i]); });
    }
    return a === b;
  }
  function ordered(v) { return (typeof v === "number" || typeof v === "string") ? v : null; }
  function compare(op, answer, value) {
    var items = Array.isArray(answer) ? answer : [answer];
    switch (op) {
      case "eq": return same(answer, value);
      case "ne": return !same(answer, value);
      case "in": return items.some(function (i) { return value.some(function (c) { return same(i, c); }); });
      case "contains":
        if (Array.isArray(answer)) return answer.some(function (i) { return same(i, value); });
        return typeof answer === "string" && typeof value === "string" &&
          answer.toLowerCase().indexOf(value.toLowerCase()) >= 0;
      default:
        var l = ordered(answer), r = ordered(value);
        if (l === null || r === null || typeof l !== typeof r) return false;
        return op === "gt" ? l > r : op === "gte" ? l >= r : op === "lt" ? l < r : l <= r;
    }
  }
  function evaluate(c, answers) {
    if (!c) return true;
    if (c.all) return c.all.every(function (p) { return evaluate(p, answers); });
    if (c.any) return c.any.some(function (p) { return evaluate(p, answers); });
    if (c.not) return !evaluate(c.not, answers);
    var a = answers[c.q];
    if (c.op === "answered") return answered(a) === (c.value === undefined ? true : c.value);
    return answered(a) && compare(c.op, a, c.value);
  }
  // What is shown for these answers, in questionnaire order (conditions.visibility).
  function visibility(sections, answers) {
    var shown = { sections: [], questions: [] }, effective = {};
    sections.forEach(function (section, index) {
      if (!evaluate(section.show_if, effective)) return;
      shown.sections.push(index);
      (section.questions || []).forEach(function (q) {
        if (!evaluate(q.show_if, effective)) return;
        shown.questions.push(q.code);
        if (Object.prototype.hasOwnProperty.call(answers, q.code)) effective[q.code] = answers[q.code];
      });
    });
    return shown;
  }
  root.maillageConditions = { evaluate: evaluate, answered: answered, visibility: visibility };

  var holder = typeof document !== "undefined" && document.getElementById("survey-rules");
  var form = holder && document.getElementById("survey-form");
  if (!form) return;
  var rules = JSON.parse(holder.textContent);
  // Tells the server that the questions appeared as they were revealed (forms/pages.py:
  // without this field, a page whose answers reveal some of its questions comes again).
  var flag = document.createElement("input");
  flag.type = "hidden";
  flag.name = "script";
  flag.value = "1";
  form.appendChild(flag);
  function valueOf(q) {
    var inputs = form.querySelectorAll('[name="q.' + q.code + '"]');
    if (!inputs.length) return undefined;
    if (q.type === "multiple_choice") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; })
        .map(function (i) { return i.value; });
    }
    var v = null;
    Array.prototype.forEach.call(inputs, function (i) {
      if (i.type === "radio" || i.type === "checkbox") { if (i.checked) v = i.value; }
      else v = i.value;
    });
    if (v === null || v === "") return null;
    if (q.type === "yes_no") return v === "true";
    if (["integer", "decimal", "percent", "scale"].indexOf(q.type) >= 0) {
      var n = Number(v.replace(",", "."));
      return isNaN(n) ? v : n;
    }
    return v;
  }
  function refresh() {
    var answers = Object.assign({}, rules.answers);
    rules.sections.forEach(function (section) {
      (section.questions || []).forEach(function (q) {
        var live = valueOf(q);
        if (live !== undefined) answers[q.code] = live;
      });
    });
    var decided = visibility(rules.sections, answers), shown = decided.questions;
    rules.sections.forEach(function (section) {
      (section.questions || []).forEach(function (q) {
        var block = document.getElementById("question-" + q.code);
        if (block) block.hidden = shown.indexOf(q.code) < 0;
      });
    });
    progress(decided.sections);
  }
  // The progress and the buttons follow the sections shown, as the server would count them
  // (forms/service.py page): an answer revealing a later section makes this page not the
  // last one any more, so "next page" replaces "submit", and back.
  function progress(sections) {
    var current = Number((form.querySelector('input[name="page"]') || {}).value);
    var position = sections.indexOf(current) + 1;
    if (position < 1) return;
    var pages = Math.max(sections.length, 1);
    var hasNext = sections.some(function (s) { return s > current; });
    setText('[data-progress="position"]', String(position));
    setText('[data-progress="pages"]', String(pages));
    var bar = document.getElementById("progress");
    if (bar) {
      bar.max = pages;
      bar.value = position;
      bar.textContent = position + " / " + pages;
    }
    var next = form.querySelector('button[value="next"]:not([data-default])');
    var submit = form.querySelector('button[value="submit"]');
    if (next && submit) {
      next.hidden = !hasNext;
      submit.hidden = hasNext;
    }
  }
  function setText(selector, text) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (e) {
      e.textContent = text;
    });
  }
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})(typeof window !== "undefined" ? window : globalThis);
