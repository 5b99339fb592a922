"""Settings for the whole suite."""
from hypothesis import settings

# Property tests draw the same examples on every run and every machine (fixed seeds): a
# failure in CI is one anyone can reproduce, not luck.
settings.register_profile("fixed", derandomize=True, database=None)
settings.load_profile("fixed")
