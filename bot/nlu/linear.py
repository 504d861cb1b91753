"""A linear intent model: TF-IDF over characters and Jieba words, logistic regression.

Plain scikit-learn, tested without Rasa; ``bot.nlu.components.LinearIntentClassifier``
wires it into the pipeline. Why it exists next to DIET: on our data, where many
out_of_scope messages are one of a kind (a plumber's advert, praise for the upstairs
neighbours), DIET is confidently wrong about a message unlike anything it was trained
on, and a regularised linear model is less so. It is measured next to ours by `make bench` and
`make nlu-eval` (bench/linear_config.yml); README, "Measured", says why config.yml keeps DIET.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

# Words are joined with this before the word vectorizer splits them again; Jieba
# tokens never contain whitespace once stripped.
_WORD_PATTERN = r"\S+"

# What a saved model legitimately contains beyond skops' default trusted set.
_EXPECTED_TYPES = frozenset({
    "scipy.sparse._csr.csr_matrix",  # the vectorizers' idf diagonal
})


def join_words(words: Sequence[str]) -> str:
    return " ".join(w.strip() for w in words if w.strip())


class LinearIntentModel:
    def __init__(self, c: float = 10.0, max_char_ngram: int = 3, random_state: int = 42) -> None:
        # sublinear_tf: a word said three times (吵吵吵) is not three times the evidence.
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, max_char_ngram), sublinear_tf=True)
        self.words = TfidfVectorizer(token_pattern=_WORD_PATTERN, lowercase=False, sublinear_tf=True)
        self.clf = LogisticRegression(C=c, max_iter=5000, random_state=random_state)

    @property
    def intents(self) -> List[str]:
        return [str(name) for name in self.clf.classes_]

    def fit(self, texts: Sequence[str], words: Sequence[str], intents: Sequence[str]) -> "LinearIntentModel":
        """texts: the messages; words: each message's Jieba words joined by spaces (join_words)."""
        features = hstack([self.chars.fit_transform(texts), self.words.fit_transform(words)]).tocsr()
        self.clf.fit(features, list(intents))
        return self

    def probabilities(self, texts: Sequence[str], words: Sequence[str]) -> np.ndarray:
        """One row per message, one column per intent (in ``intents`` order)."""
        features = hstack([self.chars.transform(texts), self.words.transform(words)]).tocsr()
        return self.clf.predict_proba(features)

    def rankings(self, texts: Sequence[str], words: Sequence[str]) -> List[List[Tuple[str, float]]]:
        names = self.intents
        return [sorted(zip(names, map(float, row)), key=lambda item: -item[1])
                for row in self.probabilities(texts, words)]

    # Persistence: skops, not pickle, so loading a model file cannot run code.
    def save(self, path: Path) -> None:
        import skops.io as sio

        sio.dump({"chars": self.chars, "words": self.words, "clf": self.clf}, path)

    @classmethod
    def load(cls, path: Path) -> "LinearIntentModel":
        import skops.io as sio

        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in _EXPECTED_TYPES]
        if untrusted:
            raise ValueError(f"{path} holds unexpected types {untrusted}; retrain the model")
        parts: Dict = sio.load(path, trusted=list(_EXPECTED_TYPES))
        model = cls()
        model.chars, model.words, model.clf = parts["chars"], parts["words"], parts["clf"]
        return model
