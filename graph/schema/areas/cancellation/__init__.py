"""Account cancellation (P10, manual §1.7): what it means, then cancel with the certificate number and a code."""
