"""Connected systems (C1): staff register and manage the OpenID provider's clients (administrators, audited)."""
