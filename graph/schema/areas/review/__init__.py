"""The staff review queue (A1): pending manual registrations and appeals, and their decisions."""
