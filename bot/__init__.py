"""The intake assistant's own package: everything that is ours and testable without Rasa running.

Domain engine (no Rasa imports): clock, notices, holidays, deadlines, risk.
"""
