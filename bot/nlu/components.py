"""Rasa graph components of the 红管家 NLU pipeline (referenced from config.yml).

Thin adapters: the logic lives in plain modules (``bot.nlu.address``) that are
tested without Rasa.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.address import extract


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
