"""The linear intent model on its own (no Rasa): what it learns, and that a saved model answers the same."""

import pytest

from bot.nlu.linear import LinearIntentModel, join_words

TEXTS = {
    "repair": ["水管漏水了", "厨房水管爆了", "卫生间漏水", "楼道灯不亮了", "电梯坏了", "灯坏了没人修"],
    "noise_dispute": ["楼上太吵了", "隔壁装修吵得睡不着", "楼上半夜跺脚", "楼下狗叫一整夜"],
    "out_of_scope": ["物业费怎么交", "停车位怎么租", "今天天气怎么样", "附近有什么好吃的"],
}


def _words(text):
    # A stand-in for Jieba in these tests: two-character chunks.
    return join_words(text[i:i + 2] for i in range(0, len(text), 2))


@pytest.fixture(scope="module")
def model():
    texts = [t for examples in TEXTS.values() for t in examples]
    labels = [intent for intent, examples in TEXTS.items() for _ in examples]
    return LinearIntentModel().fit(texts, [_words(t) for t in texts], labels)


def test_it_learns_the_intents_from_characters_it_has_seen(model):
    for text, intent in [("我家水管漏水", "repair"), ("楼上吵得睡不着", "noise_dispute"), ("物业费交多少", "out_of_scope")]:
        ranking = model.rankings([text], [_words(text)])[0]
        assert ranking[0][0] == intent, ranking
        assert abs(sum(p for _, p in ranking) - 1.0) < 1e-9


def test_a_saved_model_answers_exactly_as_before(model, tmp_path):
    path = tmp_path / "linear.skops"
    model.save(path)
    loaded = LinearIntentModel.load(path)
    texts = ["电梯又坏了", "楼上装修太吵", "随便聊聊"]
    assert loaded.rankings(texts, [_words(t) for t in texts]) == model.rankings(texts, [_words(t) for t in texts])


class NotAModel:
    """Loading an arbitrary class could run its code: skops lists it as untrusted."""


def test_a_model_file_with_unexpected_types_is_refused(tmp_path):
    import skops.io as sio

    path = tmp_path / "linear.skops"
    sio.dump({"chars": None, "words": None, "clf": NotAModel()}, path)
    with pytest.raises(ValueError, match="unexpected types"):
        LinearIntentModel.load(path)
