"""Which members a call suits, and whom a lead could team up with, with reasons."""
