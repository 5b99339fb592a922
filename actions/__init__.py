"""The action server (rasa_sdk): thin actions that read the tracker, call bot/, and answer.

rasa_sdk imports every module of this package, which registers the actions.
"""
