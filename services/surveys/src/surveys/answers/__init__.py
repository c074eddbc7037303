"""Answers as the database counts them: one row per atom of a submitted answer, and the
respondent's cuts (actor attributes, training), written at submission."""
