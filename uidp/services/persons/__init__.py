"""Natural persons: registration, activation, levels of assurance, recovery, appeals, certificate appeals,
cancellation, the user space, person lookup and seeding."""
