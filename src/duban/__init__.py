"""duban 督办 — a work platform for Chinese district governments."""
