"""The intent model: TF-IDF word and character n-grams, then a logistic regression.

Why not Rasa's own classifiers (docs/conversation.md, "Understanding intents"):
- DIET took 7-8 minutes of a training on 2 cores and scored an intent macro-F1 of 0.85 in
  5-fold cross-validation;
- Rasa's LogisticRegressionClassifier reads the CountVectorsFeaturizers' raw counts: long
  messages dominate and common words weigh as much as telling ones (0.88), and it cannot set
  the regularisation;
- the same regression on TF-IDF (sublinear counts, each message scaled to length 1) scores
  0.91 and trains in seconds. Its probabilities stay calibrated enough for Rasa's
  FallbackClassifier (config.yml).

Word 1-2 grams tell intents apart ("too late", "how long"); character 1-4 grams inside words
survive the typos of someone typing fast on a phone. Plain scikit-learn, no Rasa here: the Rasa
component is bot/nlu/intent_classifier.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline


@dataclass(frozen=True)
class IntentModelSettings:
    # Chosen by 5-fold cross-validation on data/nlu (bench/nlu_crossval.py): C 10 / 30 / 100
    # gave 0.906 / 0.913 / 0.916 on a scikit-learn replica; 30 keeps the probabilities less
    # extreme for the fallback threshold.
    regularisation_c: float = 30.0
    word_ngrams: Tuple[int, int] = (1, 2)
    char_ngrams: Tuple[int, int] = (1, 4)
    max_iter: int = 1000
    random_state: int = 42


def build(settings: IntentModelSettings = IntentModelSettings()) -> Pipeline:
    features = FeatureUnion([
        # Whitespace tokens, as Rasa's WhitespaceTokenizer: "lt11", "12153" and "30-day" stay whole.
        ("words", TfidfVectorizer(ngram_range=settings.word_ngrams, token_pattern=r"\S+", sublinear_tf=True)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=settings.char_ngrams, sublinear_tf=True)),
    ])
    classifier = LogisticRegression(
        C=settings.regularisation_c,
        class_weight="balanced",  # small intents (restart, thank) count as much as faq
        max_iter=settings.max_iter,
        random_state=settings.random_state,
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def train(texts: Sequence[str], intents: Sequence[str], settings: IntentModelSettings = IntentModelSettings()) -> Pipeline:
    if len(set(intents)) < 2:
        raise ValueError("the intent model needs examples of at least two intents")
    return build(settings).fit(list(texts), list(intents))


def rank(model: Pipeline, texts: Sequence[str]) -> List[List[Tuple[str, float]]]:
    """For each text, every intent with its probability, the most likely first."""
    if not texts:
        return []
    probabilities = model.predict_proba([text or "" for text in texts])
    names = model.classes_
    ranked = []
    for row in probabilities:
        order = np.argsort(-row, kind="stable")
        ranked.append([(str(names[i]), float(row[i])) for i in order])
    return ranked
