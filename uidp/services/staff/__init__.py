"""Staff work: the review queue and what an approved case does, appeal cases, staff accounts and enrolment, and
the operations staff run on accounts and the service catalogue."""
