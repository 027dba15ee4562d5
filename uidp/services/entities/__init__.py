"""Legal persons (entities): registration, records, changes of contact and legal information, and appeals."""
