"""Onboarding: image captchas (X1), SMS codes (X2), the login-method and registration-rule catalogue, and
the dev profile's sandbox."""
