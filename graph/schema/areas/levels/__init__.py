"""Assurance levels (P7, manual §1.4): the bank-card check to level 2."""
