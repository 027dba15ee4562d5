"""Subscriptions over graphql-transport-ws on /graphql (the session token goes in connection_init)."""
