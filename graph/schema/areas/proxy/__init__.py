"""Proxy login (E3, loginAsAgent) and the authorisation check connected systems ask (checkAuthorisation)."""
