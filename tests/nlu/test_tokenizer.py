"""The tokenizer of our pipeline: Jieba words, with each address and phone number one placeholder word."""

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import AddressAwareJiebaTokenizer, AddressEntityExtractor
from bot.settings import ROOT


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    config = {**JiebaTokenizer.get_default_config(), "dictionary_path": str(ROOT / "nlu_data" / "jieba")}
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    ours = AddressAwareJiebaTokenizer.create(config, storage, Resource("ours"), None)
    stock = JiebaTokenizer.create(config, storage, Resource("stock"), None)
    return ours, stock


def words(tokenizer, text):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message, [token.text for token in message.get(TOKENS_NAMES[TEXT]) if token.text.strip()]


def test_an_address_is_one_word_and_the_request_keeps_its_words(tokenizers):
    ours, _ = tokenizers
    message, seen = words(ours, "3栋2单元502卫生间漏水了")
    assert seen == ["addr", "卫生间", "漏水", "了"]
    assert message.get(TEXT) == "3栋2单元502卫生间漏水了"  # the extractors still read the address


def test_a_phone_and_a_neighbours_flat_are_placeholders_too(tokenizers):
    ours, _ = tokenizers
    _, seen = words(ours, "楼上502天天跺脚 电话13812345678")
    assert seen == ["楼上", "addr", "天天", "跺脚", "电话", "phone"]


def test_an_address_alone_is_all_placeholder(tokenizers):
    ours, _ = tokenizers
    assert words(ours, "十二栋一单元1802室")[1] == ["addr"]
    assert words(ours, "我住5号楼1单元301")[1][-1] == "addr"


def test_offsets_still_point_into_the_message(tokenizers):
    ours, _ = tokenizers
    message, _ = words(ours, "老人家里的下水道不通 她住5栋1单元301")
    tokens = message.get(TOKENS_NAMES[TEXT])
    placeholder = next(token for token in tokens if token.text == "addr")
    assert message.get(TEXT)[placeholder.start:placeholder.end] == "5栋1单元301"
    assert all(message.get(TEXT)[t.start:t.end] == t.text for t in tokens if t.text != "addr")


def test_a_message_without_an_address_is_split_as_jieba_splits_it(tokenizers):
    ours, stock = tokenizers
    for text in ("楼道的灯不亮了", "整整一栋楼都停电了", "物业费怎么交"):
        assert words(ours, text)[1] == words(stock, text)[1]


def test_the_entities_are_read_from_the_text_as_before(tokenizers):
    ours, _ = tokenizers
    message, _ = words(ours, "3-2-502 厨房漏水 电话138-1234-5678")
    AddressEntityExtractor().process([message])
    found = {entity["entity"]: entity["value"] for entity in message.get("entities")}
    assert found == {"building": "3", "unit": "2", "room": "502", "phone": "13812345678"}
