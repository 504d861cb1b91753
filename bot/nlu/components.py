"""Rasa graph components of the 红管家 NLU pipeline (referenced from config.yml).

Thin adapters: the logic lives in plain modules (``bot.nlu.address``) that are
tested without Rasa.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, Dict, List, Optional, Text, Tuple, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.address import address_spans, extract
from bot.nlu.linear import LinearIntentModel, join_words


# What the featurizers see in place of an address or a phone number (lower case: the
# featurizers lower-case what they read).
PLACEHOLDERS = {"address": "addr", "phone": "phone"}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class AddressAwareJiebaTokenizer(JiebaTokenizer):
    """Jieba words, with each address and phone number made one placeholder word.

    Which building and room a resident names says nothing about what they want, yet its
    digits and 栋/单元 were most of the words of a short request (3栋2单元502卫生间漏水了),
    and DIET read such requests as `inform` from them. With the placeholder the classifier
    still sees that an address was given, and decides on the rest. The text itself is
    untouched: the entity extractors read it as before.
    """

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        if attribute != TEXT:
            return tokens
        return merge_spans(tokens, address_spans(message.get(TEXT) or ""))


def merge_spans(tokens: List[Token], spans: List[Tuple[int, int, str]]) -> List[Token]:
    """``tokens`` with what lies inside each ``(start, end, kind)`` span (sorted, not overlapping)
    replaced by one placeholder token; the part of a token outside a span stays a token."""
    result: List[Token] = []
    placed = set()
    for token in tokens:
        position = token.start
        for index, (start, end, kind) in enumerate(spans):
            if end <= position or start >= token.end:
                continue
            if position < start:
                result.append(Token(token.text[position - token.start:start - token.start], position))
            if index not in placed:
                result.append(Token(PLACEHOLDERS[kind], start, end))
                placed.add(index)
            position = end
        if position < token.end:
            result.append(Token(token.text[position - token.start:], position))
    return result


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class AddressEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds building / unit / room / phone entities with canonical values.

    Rules rather than a learned tagger: residents write addresses in a handful of
    regular forms (3栋2单元502, 三号楼, 3-2-502) and a wrong room number sends a
    butler to the wrong door.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "AddressEntityExtractor":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = [self._as_rasa_entity(text, mention) for mention in extract(text)]
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def _as_rasa_entity(self, text: Text, mention: Any) -> Dict[Text, Any]:
        entity = {
            "entity": mention.entity,
            "value": mention.value,
            "start": mention.start,
            "end": mention.end,
            "confidence_entity": 1.0,
        }
        if mention.role:
            entity["role"] = mention.role
        return self.add_extractor_name([entity])[0]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Intent classifier: TF-IDF over characters and Jieba words, logistic regression."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 10.0, "max_char_ngram": 3, "random_state": 42, "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[LinearIntentModel] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource, self.model = model_storage, resource, model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntentClassifier":
        with ExitStack() as stack:
            try:
                directory = stack.enter_context(model_storage.read_from(resource))
            except ValueError:  # Rasa's signal for "this component was not trained"
                return cls(config, model_storage, resource)
            # A model file that cannot be trusted raises here: never a pipeline without intents.
            return cls(config, model_storage, resource, LinearIntentModel.load(directory / "linear.skops"))

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if examples:
            self.model = LinearIntentModel(
                c=self.config["C"], max_char_ngram=self.config["max_char_ngram"],
                random_state=self.config["random_state"],
            ).fit([m.get(TEXT) for m in examples], [_words(m) for m in examples],
                  [m.get(INTENT) for m in examples])
            with self._storage.write_to(self._resource) as directory:
                self.model.save(directory / "linear.skops")
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None or not messages:
            return messages
        rankings = self.model.rankings([m.get(TEXT) or "" for m in messages], [_words(m) for m in messages])
        for message, ranking in zip(messages, rankings):
            ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
            message.set(INTENT, ranked[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranked[: self.config["ranking_length"]], add_to_output=True)
        return messages


def _words(message: Message) -> str:
    return join_words(token.text for token in message.get(TOKENS_NAMES[TEXT]) or [])
