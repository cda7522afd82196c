// Swagger UI over /api/v1/openapi.json. A file, not an inline script: the server's CSP allows no inline script.
// Requests go out with the dashboard's session cookie; POST and DELETE also need its CSRF token, taken from
// /api/v1/session (or use "Authorize" with a bearer token).
window.addEventListener('DOMContentLoaded', async () => {
  let csrf = null;
  try {
    const who = await (await fetch('/api/v1/session', { credentials: 'same-origin' })).json();
    csrf = who.csrf || null;
  } catch (e) {
    csrf = null;
  }
  window.SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    requestInterceptor: (request) => {
      if (csrf && request.method && request.method !== 'GET') request.headers['X-CSRF-Token'] = csrf;
      return request;
    },
  });
});
