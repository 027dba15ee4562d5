"""Appeals of natural persons: my phone was registered by someone else (P9a), my ID number was registered with
someone else's phone (P9b), and binding a new phone after a phone appeal."""
