// A card's QR code opens /b#CODE: the fragment never reaches the server or its logs.
// Move it into the form and out of the address bar and history.
(function () {
  var code = decodeURIComponent((location.hash || "").slice(1));
  var input = document.getElementById("code");
  if (code && input) {
    input.value = code;
    history.replaceState(null, "", location.pathname);
  }
})();
