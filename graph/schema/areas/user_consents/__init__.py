"""The user space's consents for connected systems (C3): list them and revoke one."""
