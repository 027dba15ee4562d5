"""CA certificates (E4, E5, manual §2.3.3 and §2.4): bind a USB-key certificate to reach level 3, then log in
with it."""
