"""Legal persons after registration: contact change (E7), legal-information change (E8) and the entity appeal (E10)."""
