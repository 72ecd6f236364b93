// Start Swagger UI on the docs page. A file of its own rather than an inline script, so the
// page runs under a content-security policy with script-src 'self' and no 'unsafe-inline'.
"use strict";

(function startSwaggerUi() {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    docExpansion: "list",
    filter: true,
    displayRequestDuration: true,
    showCommonExtensions: true,
    // A token pasted into Authorize lives only as long as the tab: never in localStorage.
    persistAuthorization: false,
    // Never send the document to an outside validator, and never load another document or
    // configuration named in the page's query string.
    validatorUrl: null,
    queryConfigEnabled: false,
  });
})();
