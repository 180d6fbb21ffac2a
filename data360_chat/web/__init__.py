"""HTTP routes served next to the Reflex app: sign-in forms and redirects, OIDC, and the JSON API."""
