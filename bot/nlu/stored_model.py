"""How our NLU components keep their scikit-learn models inside a Rasa model.

skops files, as Rasa's own LogisticRegressionClassifier stores its model: loading runs no
pickled code, and only the types listed in TRUSTED are accepted. Beside the model, a small
JSON file for what the component needs with it (the FAQ selector's answers).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional, Tuple

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

logger = logging.getLogger(__name__)

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
# What skops does not trust by default in our models: the fitted TF-IDF's sparse matrices.
TRUSTED = {"scipy.sparse._csr.csr_matrix"}


def skops():
    """skops.io, imported without its side effect: it imports numpy.distutils, whose log shim
    sets the root logger to WARNING (setuptools' distutils log is the root logger), which
    would silence every INFO line of the Rasa server from model load on."""
    root = logging.getLogger()
    level = root.level
    try:
        import skops.io
    finally:
        root.setLevel(level)
    return skops.io


def save(model_storage: ModelStorage, resource: Resource, model: Any, metadata: Optional[Dict[str, Any]] = None) -> None:
    sio = skops()
    with model_storage.write_to(resource) as directory:
        sio.dump(model, directory / MODEL_FILE)
        (directory / METADATA_FILE).write_text(json.dumps(metadata or {}))


def load(model_storage: ModelStorage, resource: Resource, component: str) -> Tuple[Optional[Any], Dict[str, Any]]:
    """The stored model and its metadata; (None, {}) when nothing was stored (trained without
    examples) or the file holds a type we do not trust: the component then predicts nothing,
    as Rasa's own do."""
    sio = skops()
    try:
        with model_storage.read_from(resource) as directory:
            path = directory / MODEL_FILE
            untrusted = set(sio.get_untrusted_types(file=path))
            if not untrusted <= TRUSTED:
                raise ValueError(f"the stored model holds types we do not load: {sorted(untrusted - TRUSTED)}")
            model = sio.load(path, trusted=sorted(untrusted))
            metadata_path = directory / METADATA_FILE
            metadata = json.loads(metadata_path.read_text()) if metadata_path.exists() else {}
    except ValueError as problem:
        logger.warning("%s not loaded: %s", component, problem)
        return None, {}
    return model, metadata
