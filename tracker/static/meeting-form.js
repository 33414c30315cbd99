// The meeting form (templates/meetings/edit.html): choosing a series fills in its next number
// and kind, and shows the name box only for a new series. Without JavaScript the form still
// works: an empty number becomes the next one when saved, and the name box is always shown.
(function () {
  "use strict";
  var series = document.getElementById("series");
  var number = document.getElementById("number");
  var kind = document.getElementById("kind");
  var name = document.getElementById("new_series");
  if (!series || !number || !name) {
    return;
  }
  var filled = null;  // the number this script wrote last, replaced on the next change
  var creating = !document.querySelector("input[name=version]") ||
    !document.querySelector("input[name=version]").value;
  function update() {
    var option = series.options[series.selectedIndex];
    var isNew = series.value === "new";
    name.closest(".mb-3").hidden = !isNew;
    if (!option || isNew) {
      return;
    }
    if (creating && (number.value === "" || number.value === filled)) {
      number.value = option.getAttribute("data-next") || "";
      filled = number.value;
    }
    if (creating && kind && option.getAttribute("data-kind")) {
      kind.value = option.getAttribute("data-kind");
    }
  }
  series.addEventListener("change", update);
  update();

  // Choosing a host state proposes its time zone, until the zone is chosen by hand.
  var host = document.getElementById("host_actor");
  var zone = document.getElementById("timezone");
  var zoneTouched = !creating;
  if (host && zone) {
    zone.addEventListener("change", function () { zoneTouched = true; });
    host.addEventListener("change", function () {
      var option = host.options[host.selectedIndex];
      var proposed = option && option.getAttribute("data-zone");
      if (!zoneTouched && proposed) {
        zone.value = proposed;
      }
    });
  }
})();
