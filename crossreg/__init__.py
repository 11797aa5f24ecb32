"""crossreg: cross-departmental comprehensive supervision platform."""
