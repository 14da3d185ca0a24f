// Sends the authorization response on to the application at once (OAuth 2.0 Form Post Response Mode §2).
document.addEventListener('DOMContentLoaded', function () {
  document.forms[0].submit();
});
