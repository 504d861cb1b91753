"""WeChat's own emoji ("faces"), which a text push carries as codes: [捂脸], [强] from today's
clients, /::) and /:strong from older ones. The model was trained on what residents see (👍, 🙏,
😡), and a code is neither that nor words: [捂脸] alone was offered a certification errand, and a
ticket read 楼上又吵[发怒][发怒]. Each known code becomes the emoji it shows; anything else in
brackets is left as written.
"""

from __future__ import annotations

import re
from typing import Dict

# Bracket names (the Chinese client's; English and traditional names are the same faces).
_NAMED: Dict[str, str] = {
    "微笑": "🙂", "撇嘴": "😕", "色": "😍", "发呆": "😳", "得意": "😎", "流泪": "😢", "害羞": "😊",
    "闭嘴": "🤐", "睡": "😴", "大哭": "😭", "尴尬": "😅", "发怒": "😡", "调皮": "😜", "呲牙": "😁",
    "惊讶": "😮", "难过": "🙁", "酷": "😎", "冷汗": "😓", "抓狂": "😫", "吐": "🤮", "偷笑": "🤭",
    "可爱": "😊", "愉快": "😊", "白眼": "🙄", "傲慢": "😤", "饥饿": "😋", "困": "😪", "惊恐": "😱",
    "流汗": "😓", "憨笑": "😄", "悠闲": "😌", "奋斗": "💪", "咒骂": "🤬", "疑问": "❓", "嘘": "🤫",
    "晕": "😵", "疯了": "😫", "折磨": "😫", "衰": "😩", "骷髅": "💀", "敲打": "🔨", "再见": "👋",
    "擦汗": "😅", "抠鼻": "😒", "鼓掌": "👏", "糗大了": "😳", "坏笑": "😏", "左哼哼": "😤",
    "右哼哼": "😤", "哈欠": "🥱", "鄙视": "😒", "委屈": "🥺", "快哭了": "😢", "阴险": "😈",
    "亲亲": "😘", "吓": "😨", "可怜": "🥺", "菜刀": "🔪", "西瓜": "🍉", "啤酒": "🍺", "咖啡": "☕",
    "饭": "🍚", "猪头": "🐷", "玫瑰": "🌹", "凋谢": "🥀", "嘴唇": "💋", "示爱": "💋", "爱心": "❤️",
    "心碎": "💔", "蛋糕": "🎂", "闪电": "⚡", "炸弹": "💣", "刀": "🔪", "足球": "⚽", "便便": "💩",
    "月亮": "🌙", "太阳": "☀️", "礼物": "🎁", "拥抱": "🤗", "强": "👍", "弱": "👎", "握手": "🤝",
    "胜利": "✌️", "抱拳": "🙏", "拳头": "👊", "差劲": "👎", "爱你": "🤟", "OK": "👌", "NO": "🙅",
    "爱情": "💕", "飞吻": "😘", "跳跳": "💃", "发抖": "🥶", "怄火": "😠", "转圈": "💫", "磕头": "🙇",
    "捂脸": "🤦", "奸笑": "😏", "机智": "😏", "皱眉": "😟", "耶": "✌️", "吃瓜": "🍉", "加油": "💪",
    "汗": "😓", "天啊": "😱", "Emm": "🤔", "社会社会": "👊", "旺柴": "🐶", "好的": "👌", "打脸": "🤦",
    "哇": "😲", "翻白眼": "🙄", "666": "👍", "让我看看": "👀", "叹气": "😮‍💨", "苦涩": "😣",
    "裂开": "💔", "嘿哈": "😆", "合十": "🙏", "庆祝": "🎉", "红包": "🧧", "發": "🧧", "福": "🧧",
    "烟花": "🎆", "爆竹": "🧨", "破涕为笑": "😂", "笑脸": "😄", "生病": "😷", "脸红": "😳",
    "恐惧": "😱", "失望": "😞", "无语": "😑", "鬼魂": "👻", "合掌": "🙏", "强壮": "💪", "礼花": "🎉",
}
# Older clients' codes for the classic faces (the same faces as the names above).
_CODED: Dict[str, str] = {
    "/::)": "🙂", "/::~": "😕", "/::B": "😍", "/::|": "😳", "/:8-)": "😎", "/::<": "😢", "/::$": "😊",
    "/::X": "🤐", "/::Z": "😴", "/::'(": "😭", "/::-|": "😅", "/::@": "😡", "/::P": "😜", "/::D": "😁",
    "/::O": "😮", "/::(": "🙁", "/::Q": "😫", "/::T": "🤮", "/:,@P": "🤭", "/::d": "🙄", "/:|-)": "😪",
    "/::!": "😱", "/::L": "😓", "/::>": "😄", "/:?": "❓", "/:bye": "👋", "/:handclap": "👏",
    "/:strong": "👍", "/:weak": "👎", "/:share": "🤝", "/:v": "✌️", "/:@)": "🙏", "/:ok": "👌",
    "/:rose": "🌹", "/:heart": "❤️", "/:break": "💔", "/:cake": "🎂", "/:gift": "🎁", "/:hug": "🤗",
    "/:sun": "☀️", "/:moon": "🌙", "/:coffee": "☕", "/:beer": "🍺", "/:pig": "🐷", "/:shit": "💩",
}
_NAMED_CODE = re.compile(r"\[(" + "|".join(sorted(map(re.escape, _NAMED), key=len, reverse=True)) + r")\]")
_OLD_CODE = re.compile("|".join(sorted(map(re.escape, _CODED), key=len, reverse=True)))


def as_emoji(text: str) -> str:
    """The text with each WeChat face code replaced by the emoji it shows."""
    text = _NAMED_CODE.sub(lambda found: _NAMED[found.group(1)], text or "")
    return _OLD_CODE.sub(lambda found: _CODED[found.group()], text)
