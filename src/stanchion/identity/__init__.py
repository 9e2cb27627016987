"""Identity: single sign-on with an OpenID Connect provider, for the console and the API.

``spec.py`` (the spec section), ``provider.py`` (discovery, JWKS, token endpoint),
``tokens.py`` (JWT bearer tokens for the API), ``oidc.py`` (the console's code + PKCE flow),
``service.py`` (the per-process object the runtime holds).
"""
