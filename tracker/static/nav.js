// The header's menus are <details> and work without this file. With it, they behave as menus
// do elsewhere: opening one closes the others, and a click outside or Escape closes them.
(function () {
  "use strict";
  var menus = document.querySelectorAll(".site-header .nav-drop");
  function closeAll(except) {
    menus.forEach(function (menu) {
      if (menu !== except && !menu.contains(except)) { menu.open = false; }
    });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) { closeAll(menu); } });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".site-header .nav-drop")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector(".site-header .nav-drop[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
})();
