// The API explorer: Swagger UI (swagger-ui-dist, compiled into the
// controller under /vendor) on the controller's own /openapi.json.
//
// "Try it out" sends real requests to this controller. The bearer token is
// the one the live page keeps for this tab (sessionStorage "hms.token"),
// or the one given with the Authorize button; it goes in the Authorization
// header of every request the explorer sends.
'use strict';

function storedToken() {
  try {
    return sessionStorage.getItem('hms.token') || '';
  } catch (e) {
    return '';
  }
}

window.addEventListener('DOMContentLoaded', () => {
  const ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    // Requests go to this controller only: the document's own server.
    requestInterceptor: (request) => {
      const token = storedToken();
      if (token && !request.headers.Authorization) request.headers.Authorization = `Bearer ${token}`;
      return request;
    },
    onComplete: () => {
      const token = storedToken();
      if (token) ui.preauthorizeApiKey('bearerAuth', token);
      document.body.dataset.explorer = 'ready';
    },
  });
  window.ui = ui;
});
