// The approval page lists requests as they arrive: where JavaScript runs it reloads itself
// every few seconds while visible and while no button has focus; without it, the link does.
(function () {
  'use strict';
  var PERIOD_MS = 5000;
  function idle() {
    var active = document.activeElement;
    return document.visibilityState === 'visible' && !(active && active.tagName === 'BUTTON');
  }
  setInterval(function () {
    if (idle()) window.location.replace(window.location.pathname);
  }, PERIOD_MS);
})();
