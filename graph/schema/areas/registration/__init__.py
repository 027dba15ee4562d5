"""Registration of natural persons (P1a-P1e) and activation of pre-provisioned accounts (P2)."""
