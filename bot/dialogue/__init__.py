"""The dialogue's own data and rules that are not Rasa's: what a form steps aside for
(digressions). No Rasa imports; actions/ and the generator read it."""
