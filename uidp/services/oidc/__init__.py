"""Single sign-on for connected systems (C1): an OpenID provider to the FAPI 2.0 security profile.

- ``problems``: the OAuth error every endpoint answers with (RFC 6749 §5.2 and its extensions);
- ``codes``: authorization codes (one-time, 60 s, bound to client, redirect URI, PKCE and DPoP key);
- ``keys``: the provider's signing keys (sealed in the database, rotated) and JWKS; ``clients``: connected
  systems managed by staff; ``client_auth`` / ``client_keys``: private_key_jwt and client_secret_basic;
  ``dpop``: DPoP proofs and server nonces (RFC 9449);
- ``requests`` / ``par`` / ``authorize`` / ``consents``: the authorization request, pushed (RFC 9126) or not,
  the login, step-up and consent it needs, and the code it ends with;
- ``tokens`` / ``claims`` / ``introspection`` / ``revocation``: the token endpoint, ID token and userinfo
  claims, RFC 7662 and RFC 7009;
- ``logout`` / ``backchannel`` / ``security_events``: RP-initiated and back-channel logout, signed events.

Token JOSE work is joserfc's; nothing here hand-writes JWS, JWK or JWT code.
"""
