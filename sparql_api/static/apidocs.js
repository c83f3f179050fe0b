/* Swagger UI over this server's OpenAPI document; a file, not an inline script, for the CSP. */
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var root = document.getElementById("swagger");
  window.nolsiApi = SwaggerUIBundle({ url: root.dataset.spec, domNode: root, deepLinking: true });
});
