// A search box for long lists (a <select data-searchable="Label of the box">): typing keeps the
// options whose text holds every word typed, hides the rest (and groups left empty), and
// selects the first match. Without JavaScript the list is still there, grouped, unfiltered.
(function () {
  "use strict";
  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }
  function attach(select, index) {
    var box = document.createElement("input");
    box.type = "search";
    box.id = (select.id || "select") + "-search";
    box.className = "form-control form-control-sm mb-1";
    box.setAttribute("autocomplete", "off");
    box.setAttribute("aria-controls", select.id);
    var label = document.createElement("label");
    label.htmlFor = box.id;
    label.className = "form-text d-block";
    label.textContent = select.getAttribute("data-searchable") || "Search the list";
    var count = document.createElement("span");
    count.className = "form-text";
    count.setAttribute("role", "status");
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(count, select.nextSibling);
    box.addEventListener("input", function () {
      var wanted = words(box.value);
      var shown = 0;
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var text = option.textContent.toLowerCase();
        var match = wanted.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !match;
        option.disabled = !match && option.value !== "";
        if (match) {
          shown += 1;
          first = first || option;
        }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (first && select.selectedOptions.length && select.selectedOptions[0].hidden) {
        select.value = first.value;
      } else if (first && !select.value) {
        select.value = first.value;
      }
      // The words come from the page, in its language (data-search-count, with {shown} and {total}).
      var words = select.getAttribute("data-search-count") || "{shown} of {total} match";
      count.textContent = wanted.length ?
        words.replace("{shown}", shown).replace("{total}", select.options.length) : "";
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("select[data-searchable]"), attach);
})();
