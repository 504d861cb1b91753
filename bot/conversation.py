"""Reading residents' short answers: cancel, yes/no, which part to correct, a rating, the other
party of a noise dispute; and whether a message asks after, or withdraws, a request already made.
Plain Python, so the rules can be tested without Rasa."""

from __future__ import annotations

import re
import unicodedata
from typing import FrozenSet, Iterator, Optional, Tuple

from bot.nlu.address import PHONE

MAX_DESCRIPTION = 500

_CANCEL = re.compile(r"^\s*(取消|算了|不用了|不要了|不报了|不办了|不弄了|撤销|撤回|不提交|放弃)")
# A yes, alone or with thanks or a plea for speed (好的 谢谢, 确认 麻烦尽快): nothing else after it.
_YES = re.compile(r"^\s*(确认|确定|对的?|是的?|好的?|没错|没问题|提交|可以|行|嗯+|ok|OK|Ok|yes)[\s。！!,.，~～]*"
                  r"((谢谢|多谢|感谢)(你们|您|你)?[啦了啊]?|辛苦(你们|您|你)?了?|麻烦(你们|您|你)?(了|尽快|快点)?"
                  r"|(尽快|快点|早点)(来|修|处理|安排)?吧?)?[\s。！!,.，~～🙏]*$")
_NO = re.compile(r"^\s*(不对|不是|错了|有误|不正确|改一下|要改|修改|写错了|说错了)"
                 r"|(地址|住址|门牌|楼号|时间|情况|描述|内容|对方)\s*(不对|错了|有误|写错|不正确)")
_PARTS = (
    ("address", re.compile(r"^\s*(1|一|①)\s*$|地址|住址|门牌|楼号|几栋")),
    ("description", re.compile(r"^\s*(2|二|②)\s*$|情况|描述|问题|内容")),
    ("third", re.compile(r"^\s*(3|三|③)\s*$|时间|上门|对方|楼上|邻居")),
)
_GENERIC = re.compile(r"^(我|俺)?家?(要|想|想要|需要)?(帮我|给我)?(报个?修|维修|修理|投诉噪音|噪音投诉|邻里调解|(找|申请)?调解|"
                      r"(有个)?快递的?(问题)?|代办认证|生存认证|养老金认证|认证代办|办?认证)(一下)?[吧啊呀哈]?$")
# A choice among buttons, by its place: 第一个, 1, 第二项.
_ORDINAL = re.compile(r"^\s*第?\s*([1-3一二两三])\s*(个|项|种|条)?\s*[。！!~～.]*\s*$")
_ORDINALS = {"1": 0, "一": 0, "2": 1, "二": 1, "两": 1, "3": 2, "三": 2}
_DIGIT, _STAR = "[1-5１-５一二两三四五]", "[⭐★🌟]"
_SCORE = re.compile(rf"({_DIGIT})\s*(分|星|颗星)|^\s*([1-5１-５])\s*[。！!~～]*\s*$|^\s*([一二三四五])\s*$")
_STARS = re.compile(_STAR)
_BARE_SCORE = re.compile(rf"^\s*(?:{_DIGIT}\s*(?:分|星|颗星)?|{_STAR}{{1,5}})\s*[。！!~～.]*\s*$")
_WORDS = ((5, re.compile(r"满分|非常满意|特别满意|十分满意|很满意|五星|好评|太棒|点赞|👍")),
          (4, re.compile(r"^(还)?满意|比较满意|挺满意|挺好|不错")),
          (3, re.compile(r"一般|还行|凑合|马马虎虎|中规中矩")),
          (2, re.compile(r"不太满意|不咋满意|不满意|不怎么样|有点慢|太慢")),
          (1, re.compile(r"很不满意|非常不满意|差评|太差|极差|垃圾")))
_VERY_UNHAPPY = re.compile(r"(很|非常|特别|十分|太)不满意|差评|太差|极差|垃圾")
_NOT_HAPPY = re.compile(r"不(是|算|太|咋|怎么)?\s*(很|特别|非常|十分|太)?满意")
_NOT_FIXED = re.compile(r"没修好|没有修好|没弄好|没解决|没有解决|[还還]是(坏|壞|漏|不亮|不行|没|沒|吵|响|一样)|"
                        r"又(开始|坏|漏|不亮|卡|停|返|滴|跳|堵|响)|问题(还在|依旧)|依旧|照样|跟没修一样|等于没修|寂寞|"
                        r"没好|不行|根本没|不管用|白修")
# Asking after a request already made: 进展, 催一下, 什么时候来, 派人了么, 还没人来, 等了一个星期.
# The model often reads these as a new request of the same kind (their words are the request's
# words); with an open ticket of that kind, the resident gets its progress instead of a second one.
_FOLLOW_UP = re.compile(
    r"催|进展|进度|(怎么|咋|怎)样了|如何了|有(结果|消息|回音|下文)[了吗没么]|处理(了)?没|有人(管|跟|理)[没吗么]"
    r"|谁在(跟|管|负责)|(什么|啥|哪)(时候|天|时)(能|会|才|可以)?(来|到|上门|派|修|处理|安排|有人|过来)"
    r"|几(时|点|号)(能|会|才|可以)?(来|到|上门)|排(到|上)|还要(排|等)多久|等了(好|一|两|三|四|五|几|半|十|大半)"
    r"|(还|咋还|怎么还|到现在(也|还)?|一直)(没|没有)(人|来|见|派|修|处理|消息|动静|回|联系|下文|动)"
    r"|(修|派|联系|找|问|说|办|处理|调|沟通|安排|查|回复|反映|报|登记|约|跟|管|收)[^\s，,。？?]{0,4}?"
    r"(了|好|完|上|到|回来|出来|过)(没有?|么|吗|嘛|没)"
    r"|(问|找|联系|反映|说)了[^\s，,。？?]{1,5}(没有?|吗)|(修|管|查|找|问|说|办)没(修|管|查|找|问|说|办)"
    r"|还不(来|到|修|管|处理|派|联系)|人呢|到哪(了|儿了|里了)|(今天|今晚|明天|上午|下午|晚上)(能|可以)(来|到)(吗|不|么|嘛)|(要|得)等多久|多久(能|才)(来|到)")
# Chasing one: the subset of asking after it that says the wait is too long. The assignee is told.
_CHASE = re.compile(r"催|(怎么|咋|为啥|为什么)还没|还没(人|来|派|修|见|动静|消息|联系|处理|回)|一直没(人|来|修|消息|动静|联系)"
                    r"|到现在(也|还)?没|等了(好|一|两|三|四|五|几|半|十|大半)|(还要|得)(排|等)多久|到底(什么|啥|哪)(时候|天)"
                    r"|还不(来|到|修|管|处理|派|联系)|人呢")
# A complaint about how a request is handled (我要投诉你们的代办员, 说好的来了又没来, 师傅态度太差): the
# wait chased, and the duty manager, the escalation point, told as well.
_COMPLAINT = re.compile(r"投诉|(说好|约好|讲好|答应)(了|的)[^，,。？?]{0,12}(没来|不来|没到|没人|没修|没管|没联系)"
                        r"|放(我)?鸽子|爽约|态度(太|很|真|特别|非常)?(差|恶劣|不好|蛮横)")
_STAFF_FAULT = re.compile(r"(保安|门卫|门岗|保洁|物业(公司|的人|人员|工作人员)?|客服)[^，,。]{0,8}"
                          r"(睡觉|打瞌睡|不管|不在岗|玩手机|偷懒|骂人|凶|态度|不作为|不干活|乱收费)")
# Words that add to what was said (补充一下 已经漏到楼下了, 对了是卫生间那个, 还有 水很大).
_MORE = re.compile(r"^\s*(补充(一下|下|说明|说)?|对了|还有|另外|再说一下|忘了说|顺便(说|提)一?下?|而且)")
# The resident goes to find the answer (等我问问我儿子, 稍等 我找找房本, 门牌号记不清了).
_FIND_OUT = re.compile(r"(等|让)我(先)?(去)?(问|查|找|看|想|翻)|稍等|等一下|等一会|等会儿?|我[^，,。\s]{0,4}(问问|问一下|查查|查一下|"
                       r"找找|找一下|看看|看一下|翻翻|想想)|记不(清|住|得|太清)|不记得|想不起来|"
                       r"忘(了|记)了?(几|门牌|楼号|单元|哪|是几|地址)|^忘了")
_ACKNOWLEDGEMENT = re.compile(
    r"^(\s*(好的?|好嘞|好滴|好吧|行|中|嗯+|哦+|噢+|收到|知道了?|晓得了?|明白了?|了解了?|懂了|ok|OK|Ok|"
    r"麻烦(你们|您|你)?了|辛苦(你们|您|你)?了|谢谢(你们|您|你)?|多谢|感谢|那?我(就)?等着|等(你们|您)?的?(消息|电话|通知)"
    r")[啦了啊呀哈的吧~～!！。.，,、\s🙏👍😊👌]*)+$")
# Withdrawing one: 报修作废吧, 不用派人来了, 上门认证先不用了. Anywhere in the message, unlike _CANCEL,
# which reads a short answer inside a form.
_WITHDRAW = re.compile(r"取消|撤销|撤回|撤(一下|了吧|掉)|作废|"
                       r"不(用|需要|必)(再)?(你们)?(来|修|查|跑|派|上门|麻烦|代办|调解|弄|登记|提交|报了|报修)"
                       r"|先不用了|别(派|来|跑)|不麻烦(你们|师傅|了)|不搞了|^\s*(算了)?[，,\s]*不要了"
                       r"|不想(再)?(调解|报修|修|弄|办|代办|麻烦(你们|您|人家)?|找(你们|调解室|物业))了"
                       r"|(快递|包裹|快件|东西|件)(已经|都|也)?找到了|自己(就|又)?好了"
                       r"|自己(找人|找了人|请人|找师傅)(修|弄|处理|搞|换)(好|完)?了|自己(修|弄|处理|搞|换)(好|完)了"
                       r"|(找|请)了?个?(人|师傅|电工)(修|弄|换)好了")
_TAKES_BACK = re.compile(r"撤|删|关(了|掉|闭)|不用|不修|不要|算了|免了|不找|不调解|不办|不弄|不算|不管|不报|不约|"
                         r"别(修|管|来|派|弄|找|跑|让)|白跑|不(需要|必)|作废|cancel|私了|没事了|好了")
# The kind of request a message talks about, by its words: which open ticket 催一下 or 怎么样了 is about
# when the resident has several, or when the model named another kind (丢快递的事怎么样了 read as repair).
_KINDS = (
    ("repair", re.compile(r"(?<!装)修|坏|漏|堵|不亮|跳闸|停电|停水|没电|没水|电梯|电悌|水管|暖气|燃气|煤气|马桶|下水|插座|"
                          r"门禁|充电桩|路灯|楼道灯|故障")),
    ("noise_dispute", re.compile(r"噪音|噪声|燥音|躁音|吵|扰民|调解|纠纷|矛盾")),
    ("parcel", re.compile(r"快递|快地|快第|包裹|快件|驿站|丰巢|取件|寄件|丢件")),
    ("pension_certification", re.compile(r"认证|养老金|退休金|生存|刷脸|人脸")),
)
# A shared facility in words the facility lookup does not hold (楼道里的灯坏了, 楼梯灯不亮): its
# canonical name, as the lookup's synonyms give it, so the repair is placed by building and unit.
# A part of the compound nobody lives in (小区门口那个道闸坏了, 路灯不亮, 健身器材坏了): no flat to visit.
_COMMON_AREA = re.compile(r"道闸|挡车杆|栏杆机|(小区|南|北|东|西)(大)?门(口)?(那个|的)?(门禁|闸|栏杆|自动门|伸缩门)|伸缩门|"
                          r"路灯|充电桩|充电棚|车棚|健身器材|(地下)?(车库|地库)|垃圾(站|房|桶|箱)|井盖|"
                          r"(小区|花园|广场)(里|的)?(灯|路|长椅|座椅|凉亭|喷泉)|凉亭|喷泉|儿童(乐园|滑梯|游乐)")
_SHARED_IN_WORDS = (
    ("楼道灯", re.compile(r"(楼道|楼梯间?|过道|走廊)(里|上|内|口)?(面)?的?(灯|照明|声控灯|感应灯)")),
)
# Putting a request off (等会儿再说, 我先去吃饭了, 回头再弄): it waits, not submitted.
_LATER = re.compile(r"(等会儿?|待会儿?|一会儿?|回头|晚点|晚些|稍后|改天)再(说|弄|办|报|确认|回复|提交|联系|看)|"
                    r"我?先(去)?(忙|吃饭|做饭|上班|出门|接孩子|睡|休息)|先这样吧?\s*$|先不说了")
_COMPLIMENT = re.compile(r"效率(真|很|挺|太)?高|(真|好)(快|及时|负责)|辛苦(了|啦|你们|您)|谢谢|感谢|多谢|给力|太棒|很棒|好评")
# Praise, volunteering and advertising use a request's words without asking for anything (表扬一下
#隔壁阿姨 帮我收了一礼拜快递, 想报名当志愿者 帮老人做认证, 专业疏通下水道 不通不收费).
_PRAISE = re.compile(r"表扬|夸夸|锦旗|暖心|人太好|态度可好|点赞")
_NOT_A_REQUEST = re.compile(rf"{_PRAISE.pattern}|志愿|报名|合作|专业(疏通|维修|防水)|价格公道|不通不收|"
                            r"上门不收费|加微信|欢迎.{0,4}(来电|咨询)")
# Asking what answers (你是机器人吗, 是真人还是自动回复): not asking for a person (机器人听不懂 我要人工).
# Said to us (你, 这边, 回消息的) or short (是真人吗): 快递客服是不是都是机器人 asks about someone else.
_ASKS_IF_BOT = re.compile(r"(机器人|自动回复|程序|人工智能|(?<![A-Za-z])AI(?![A-Za-z])|真人)[^，,。.!！]{0,6}"
                          r"(吗|么|嘛|吧[？?]|[？?]|不\s*$)|(是不是|还是)[^，,。.!！]{0,4}(机器人|自动回复|程序|真人)|"
                          r"(机器人|自动回复|程序)还是(真)?人")
_TO_US = re.compile(r"你|您|这边|这个号|公众号|回(复|消息|话)的")
_WANTS_A_PERSON = re.compile(r"(要|找|换|转|叫|让|来)个?(真人|人工|人来|管家|工作人员)|转人工|人工服务")
# Whose home the address is: someone else's (她家在…, 我妈住…, 替我爸发的, 我住在外地). In a dispute
# 他家是602 and 楼上大爷住602 are the other party: only family words count there.
_FAMILY = r"老人|父母|[爸妈]|婆婆|公公|奶奶|爷爷|姥姥|姥爷|外婆|外公|岳父|岳母"
_OTHERS = r"她|他|邻居|老太太|老爷子|大爷|大妈"


def _elsewhere(who: str) -> "re.Pattern[str]":
    return re.compile(rf"({who})家?(就)?(住在|在|住|是)\s*[0-9一二三四五六七八九十两]|"
                      rf"({who})[^，,。；;]{{1,8}}?(?<!我)(住在|住)\s*[0-9一二三四五六七八九十两]|"  # 她82了 住17栋502
                      rf"[帮替]我?({who}).{{0,4}}(报|发|问|约|登记|反映)|我(住在?|人在)外地|我不住(这|那|小区)")


_SOMEONE_ELSES = _elsewhere(f"{_FAMILY}|{_OTHERS}")
_FAMILYS = _elsewhere(_FAMILY)
# The errand for someone (生存认证过期了, 我爸的养老金认证): not the phone's face scan it needs (我想学手机
# 刷脸), a pension question (养老金什么时候到账) or any other 认证 (ETC重新认证).
_CERTIFICATION = re.compile(r"认证")
_CERTIFIED = re.compile(r"生存|养老|退休|社保|老人|老头|老太|老伴|爸|妈|爷|奶|大爷|大妈|岳父|岳母|公公|婆婆")
# Something wrong with a parcel (快递里少东西了, 快地到了没有 物流一直不动), not a word about couriers
# (快递驿站招不招人, 哪家快递便宜点).
_PARCEL_TROUBLE = re.compile(r"丢|没收到|收不到|不见|没了|少了?东西|少了|拿错|取不出|取不了|破|烂|超时|没到|到了没|"
                             r"没送|不送|送上|帮.{0,3}[收取拿送]|找不到|签收|退回|退了|不动|扛|搬不|错了")
# When a parcel station or locker is open (门口的快递驿站几点关门, 驿站周末营业吗): a question, not a problem.
_OPENING_HOURS = re.compile(r"(几点|什么时候|啥时候|多会儿?)(开门|关门|下班|上班|开|关|营业|打烊)|营业|开到几点|几点到几点"
                            r"|(周末|周六|周日|星期[六天日]|礼拜[六天日]|过年|节假日|假期)[^，,。]{0,3}(开|关|休息|上班)")
# Where parcels are kept (代收快递的地方在哪, 丰巢柜在哪儿, 菜鸟驿站搬哪去了): a question, not a problem.
_STATION = re.compile(r"驿站|快递柜|快递点|代收点|丰巢|菜鸟|(代收|收|取|拿|寄)快递的地方|取件(的)?(地方|点)")
_WHERE = re.compile(r"在哪|哪里|哪儿|哪边|哪个位置|(搬|挪)(到|去)?哪|怎么走|位置")
# The problem is solved (师傅来过了 修好了, 灯亮了, 不漏了): told before the ticket is marked resolved.
_FIXED = re.compile(r"(修|弄|搞|整|处理|换)好了|(已经|都|全)好了|解决了|搞定了?|没问题了|能用了|不漏了|灯(又|已经)?亮了")
# A time for a visit: 明天上午, 周六下午三点后, 随时都行, 晚上七点以后在家.
# A day or an hour (明天上午, 周六, 3点); then the answers that leave it open (随时, 尽快, 在家).
_WHEN = re.compile(r"今天|明天|后天|今晚|明早|明晚|上午|下午|中午|晚上|早上|傍晚|白天|夜里|周[一二三四五六日天末]|星期|礼拜|"
                   r"工作日|下班|午饭|午休|\d{1,2}\s*[点:：]|(?<![快早晚慢小大多少好])[一二三四五六七八九十两]{1,3}点|"
                   r"\d{1,2}\s*号(?!楼)")
_TIME = re.compile(_WHEN.pattern + r"|几号|随时|都行|都可以|有空|在家|什么时候都|"
                   r"尽快|尽早|越快越好|越早越好|马上|立刻|赶紧|随便|哪天都|任何时[间候]")
# Words that judge a service, not just any sentence with 一般 or 不行 in it: a rating said to a
# resolved ticket even when the model reads the message as thanks or as out of scope.
_VERDICT = re.compile(r"满意|好评|差评|点赞|👍|挺好|真好|不错|太棒|很棒|给力|辛苦|及时|效率|还行|凑合|一般般|太差|极差|垃圾")
# A question, not an answer: 什么意思, 啥时候来, 这样可以吗. The model reads some as affirm.
_QUESTION = re.compile(r"[?？]|什么|啥|吗|么\s*$|怎么|咋|哪|意思|为何|多久|几时|几点|^(请|想)?问(一)?下")
# Who the request is for: a name (她叫李桂兰, 老太太姓王, 名字是陈国华), an age (78岁, 今年八十五了)
# or how they live (独居, 腿脚不好).
# A name starts with one of the common surnames, so 叫我, 叫人来修 and 叫王师傅来 are not names.
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
             "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文"
             "牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛"
             "曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆司卓古吉缪简车项连麦褚娄窦戚岑景党宫费卜冷晏席"
             "卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_AFTER_NAME = r"(?=$|[\s，,。.！!；;、]|今年|已经|都|岁|\d|[七八九]十)"
_PERSON = re.compile(rf"(叫|名字(是|叫)?|姓名(是)?)\s*[:：]?\s*[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}{_AFTER_NAME}"
                     rf"|姓\s*[{_SURNAMES}]{_AFTER_NAME}"
                     r"|\d{2,3}\s*(周)?岁|[六七八九]十[一二三四五六七八九]?\s*(多)?(周)?岁|今年\s*(\d{2,3}|[六七八九]十)"
                     # how they live (家里就我一个老太太 腿脚不好, 我妈一个人住 行动不方便): what the visit needs
                     r"|独居|一个人(住|在家|过)|家里就我一个|(腿脚|腿|眼睛|耳朵)[^，,。]{0,2}(不好|不便|不方便|不行)|行动不便"
                     r"|行动不方便|走不动|下不了楼|卧床|瘫痪|轮椅|残疾(?!证)|耳背|听不见"
                     # an age said plainly (她82了), what the errand is needed for (不会用手机)
                     r"|(?<![\d.])[6-9]\d\s*(多)?了(?![\d点])|不会用(智能)?手机|不会刷脸|不识字")
_PARCEL = re.compile(r"取件码|取货码|提货码|单号|中通|申通|圆通|韵达|顺丰|京东快递|邮政|EMS|极兔|德邦|丰巢|菜鸟", re.IGNORECASE)
_GREETING = re.compile(r"^(\s*(你好|您好|你们好|大家好|在吗|在不在|在么|哈喽|哈啰|hello(?![a-z])|hi(?![a-z])|嗨|喂|打扰了|打扰一下)"
                       r"[啊呀哈吖呢]*[\s，,。.！!？?~～、]*)+", re.IGNORECASE)
# Who is writing, by their address alone (我是5栋1单元301的, 俺家住3-2-502): the ticket has the address.
_N = r"[\d一二三四五六七八九十两零〇幺]"
_INTRODUCTION = re.compile(rf"^\s*(我|俺|咱|我们|我家|俺家|咱家)(是|住|住在|家住|家在|在)?\s*{_N}+\s*(栋|幢|号楼|座|#|-)"
                           rf"({_N}|[栋幢号楼座单元室#\-\s])*?(的)?(住户|业主|居民|租户)?"
                           r"\s*[，,。\s]+")
# The flat said apart, after the building (我是17栋1单元的 我家住1502 …).
_ROOM_INTRODUCTION = re.compile(r"^\s*(我|俺|咱)?(家|们家)?(住|在|是|住在)\s*\d{3,4}\s*(室|号)?(的)?\s*[，,。\s]+")
_ANOTHER_ADDRESS = re.compile(rf"{_N}+\s*(栋|幢|号楼|单元|室)|(?<!\d)\d{{3,4}}(?!\d)|\d+-\d+")
_PARTS_OF_MESSAGE = re.compile(r"[，,。；;！!？?\s]+|(?=另外|还有|顺便|对了|再就是|而且|并且)")
# Where a part was taken out of a message: a run of separators becomes its first, none at the ends.
_SEPARATORS = re.compile(r"[，,。；;！!？?\s]{2,}")
_EDGE_SEPARATORS = re.compile(r"^[，,。；;！!？?\s]+|[，,。；;\s]+$")
_CONNECTOR = re.compile(r"^(另外|还有|顺便(说一下|问一下)?|对了|再就是|而且|并且)[，,]?")
_CLAUSE = re.compile(r"[，,。；;！!？?]+")
# What a repair, the errand or a mediation costs (修要收钱吗, 认证收费吗, 调解要钱吗): a word of paying
# near a word of the request; not a trade's price, the maintenance fund, nor fees the property
# company or a courier charges.
_PAY = (r"(收费|收钱|要钱|花钱|交钱|出钱|掏钱|付钱|多少钱|几块钱|费用|价格|价钱|免费|自费|谁出|谁付|谁掏|"
        r"修理?费|上门费|材料费|人工费|工钱)")
_CHARGED = (
    ("pension_certification", re.compile(rf"(认证|生存|代办|帮办).{{0,8}}{_PAY}|{_PAY}.{{0,6}}(认证|代办|帮办)")),
    ("noise_dispute", re.compile(rf"调解.{{0,6}}{_PAY}|{_PAY}.{{0,6}}调解")),
    ("repair", re.compile(rf"((?<!装)修|师傅|零件|材料|上门|换|坏|漏|堵).{{0,8}}{_PAY}|{_PAY}.{{0,6}}((?<!装)修|师傅|上门)")),
)
_NOT_OURS = re.compile(r"维修基金|维保|加装|翻新|合同|广告|推荐|牌子|安装|网上买|车|电脑|电瓶|水表|家电|只收|"
                       r"(物业|管理|水|电|燃气|煤气|取暖|暖气|网|卫生)费|停车|快递|驿站|包裹")
_RELATIVES = r"爸|妈|父亲|母亲|老伴|奶奶|爷爷|外婆|外公|婆婆|公公"  # whose errand it is: 我妈, 我老伴
_FOR_RELATIVE = re.compile(rf"我({_RELATIVES})|老人家?(不会|腿|走不)")
# How to do something oneself (怎么弄, 在哪个app上弄), and asking for the errand instead (帮, 上门, 不会).
_HOW = re.compile(r"怎么(弄|做|认证|办|操作|搞|认)|咋(弄|办|做|整|认)|如何|在哪(里|儿)?(弄|做|认证|办)|"
                  r"哪个(app|APP|软件|程序|平台)|什么(app|APP|软件|平台)|手机上(怎么|咋|能)|自己(弄|做|认证|操作)")
# Asking for help with it, or why one cannot do it oneself (不识字, 卧床, 中风 …).
_CANNOT_DO_IT = r"帮|代办|上门|来家|到家|不会|不识字|弄不来|看不清|卧床|住院|瘫|中风|走不"
_ERRAND_ASKED = re.compile(rf"{_CANNOT_DO_IT}|搞不定|腿|疤|"
                           rf"老人|老爷子|老太|我({_RELATIVES}|娘)|俺(爹|娘|妈|爸)|\d{{2}}岁")
# Whether the certification is due (今年还要认证吗, 多久认证一次, 每年都要认证吗).
_CERTIFICATION_DUE = re.compile(r"(还要|还得|还需要|要不要|需不需要|每年都要|每年都得|是不是每年)[^，,。]{0,4}(认证|验证|刷脸)|"
                                r"(认证|验证)[^，,。]{0,4}(多久|多长时间|几个月|几年)[^，,。]{0,3}(一次|认证)|"
                                r"多久[^，,。]{0,3}(认证|验证)一次|(认证|验证)[^，,。]{0,4}每年")
_CANNOT_CERTIFY = re.compile(rf"{_CANNOT_DO_IT}|糊涂|痴呆|不认人")
# A neighbour's doing that troubles others (堆在楼道里, 电动车推进楼道充电, 狗不牵绳): a dispute, also
# without a noise word.
_NUISANCE = re.compile(r"堆(了|着|满)?[^，,。]{0,6}(楼道|门口|过道|走廊|楼梯)|在(楼道|门口|过道|走廊|楼梯)[^，,。]{0,4}堆|"
                       r"占(用|着|了)|(电动车|电瓶车|电瓶)[^，,。]{0,10}充电|飞线|油烟[^，,。]{0,6}(呛|熏|受不了|全)|"
                       r"臭|狗[^，,。]{0,4}(叫|拉屎|撒尿)|(不|没)(拴|栓|牵)(狗)?绳|乱扔|扔垃圾|抛物")
_DISPUTED = re.compile(r"噪音|噪声|燥音|躁音|吵|扰民")
# Being in or free for a visit (明天上午在家, 周六有空), not a fault's start or a visit gone by.
_AVAILABLE = re.compile(r"(?<!不)在家|家里有人|有人在|有空|(?<!不)方便|(可以|能|再)?(上门|过来|来修|来看|来一趟)")
_PAST = re.compile(r"昨|前天|上周|上个?星期|上礼拜|刚才|之前|已经|来过|没来|开始|以来")
_PHONE_SAID = re.compile(r"[，,\s]*(我的)?(手机号码|手机号|手机|电话号码|电话|联系方式|号码)?\s*(是|[:：])?\s*" + PHONE)
# What is said around a time (以后, 左右, 比较方便, 都在家): with the time words taken out, little else.
_TIME_FILLER = re.compile(r"以后|之后|以前|之前|左右|前后|比较|最好|可以|方便|有人|在家|上门|过来|时候|时间|一?整天|全天|"
                          r"一天|下周|这周|本周|[前后点分半到至或和都来吧呀啊的了再]")
_DENIAL_LEAD = re.compile(r"^\s*((上门)?时间)?\s*(不对|错了|有误|说错了|写错了|不正确)[了啊呀哦的]*\s*")
_INSTEAD = re.compile(r"(而)?(应该)?是|改成|改到|改为|换成|换到")
# Moving a visit already arranged: a word of changing its time (上门时间能改到周六吗, 改下午, 推迟一天), or
# of not being in (明天上午家里没人, 临时有事, 别今天来了) said with a day or an hour. Not 协调一下时间 (a
# mediation), 改天再聊, 是不是推迟了 (a pension), nor a question of when (换到哪天了).
_MOVE = re.compile(r"时间.{0,4}(改|换|挪|推迟|提前|延后)|(改|换|挪)(个|一下|下)?时间|"
                   r"(推迟|延后|往后推|往后挪|晚)(一|两|几)(天|下)|(早|晚)一?(点|些)[^，,。]{0,8}(来|到|上门)")
# 改下午, 换到周六, 提前到今天下午: a visit moved only when what follows is a time (not 改一点东西).
_MOVE_TO = re.compile(r"(改|换|挪|推|提前)(成|到|为|在)?(?=\s*(" + _WHEN.pattern + r"))")
_NOT_IN = re.compile(r"(不|没)在家|家里?没人|没人在家|有(点|些)?事(?![找问想要说跟和请])|"
                     r"别(今天|明天|今晚|上午|下午|晚上|现在|这会儿?)?来")
_ANOTHER_DAY = re.compile(r"改天(再)?(来|上门|约|修)|改天吧|换个(时间|日子)|另(外)?约(个)?时间|再约(个)?时间")
# Not a visit moved: a question of when, the reception days, a mediation, a delivery.
_MOVE_ASKED = re.compile(r"哪天|哪一天|什么时候|啥时候|几点|几号(?!楼)|接待|调解|协调|快递|包裹|顺丰|京东|到货|代收|签收|"
                         r"下次|下回")  # 下次能早点来就更好了: a wish with a rating
_DAY = re.compile(r"今天|明天|后天|大后天|周[一二三四五六日天末]|星期[一二三四五六日天]|礼拜[一二三四五六日天]|\d{1,2}\s*号")
# Around the new time in its part: 那就/改成 before it, 来吧/行不/可以吗 after it.
_MOVE_LEAD = re.compile(r"^.*(改|换|调|挪|推|提前)(成|到|为|在)?|^\s*(师傅|那就|那|就|请|麻烦)+")
_MOVED_TAIL = re.compile(r"(再|过)?(来|上门|过来)?(吧|呗|行不行|行不|行吗|可以吗|可以不|好吗|好不好|成吗|吗|呢)?[。！!？?～~.]*$")
_TIME_LEAD = re.compile(r"^\s*(上门)?(时间)?\s*(应该|其实)?是\s*|^\s*(上门)?时间\s*")
_CN_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_RELATIONS = {"楼上": 100, "楼下": -100, "隔壁": 0, "对门": 0, "对面": 0}
# Words that put something right (不是对面 是楼上, 对方应该是3栋602, 是楼上): at the summary, a neighbour
# named with them is the other party now; without them (隔壁也吵) the words are more about it.
_PUTS_RIGHT = re.compile(r"不是|对方|应该是|搞错|弄错|说错|写错|改成|改为|^\s*(是|就是)")
# Who a building's butler is (楼栋长是谁, 管家叫啥, 网格员是哪位, 怎么联系我们楼的红管家).
_BUTLER_WORD = r"(楼栋长|楼长|楼栋管家|红管家|管家|网格员|楼道长)"
_WHO_IS_BUTLER = re.compile(rf"{_BUTLER_WORD}(是谁|是哪位|是哪个|叫(什么|啥)|姓(什么|啥)|的?(电话|手机|联系方式|微信)|在哪)|"
                            rf"(谁是|怎么联系|咋联系|如何联系).{{0,8}}{_BUTLER_WORD}")
# Whether the other side will learn who complained (别让他们知道是我反映的, 能保密吗, 千万别说是我说的).
_CONFIDENTIAL = re.compile(r"(别|不要|不想|不让|会不会|能不能|可不可以|能否)[^，,。？?]{0,8}(知道|晓得|发现|告诉|透露)"
                           r"[^，,。？?]{0,6}是我|保密|匿名|别(说|讲|提)[^，,。？?]{0,3}是我")
_OTHER_SIDE = re.compile(rf"{'|'.join(_RELATIONS)}|对方|他家|她家|他们家|那家|那户|邻居")
# A dispute's words: noise, mediation, or someone on the other side (none in 窗户关不严实 一刮风就呜呜的叫).
_PRONOUN = re.compile(r"他|她|人家")
_NEIGHBOUR_OR_NOISE = re.compile(rf"{dict(_KINDS)['noise_dispute'].pattern}|{_OTHER_SIDE.pattern}|谁家|人家")
_MY_HOME = re.compile(r"我家|俺家|我们家|我住|俺住")  # 不是302 我家是502: the resident's own address
_NEGATED = re.compile(r"(不是|不在|并非|并不是)(在)?$")  # right before a relation word: 不是楼下
# A shop, not a flat, right after the relation word: 楼下饭馆, 楼下的烧烤店, 楼上是个麻将馆. No flat
# number is worked out for it: a 底商 below a 2nd-floor flat is not flat 102.
_SHOP = re.compile(r"(?:的|是|那)?(?:一?[个家间])?(?P<shop>[\u4e00-\u9fff]{0,4}?"
                   r"(?:饭馆|饭店|餐馆|餐厅|饭庄|小吃|店|铺|底商|门面|门市|超市|小卖部|馆|棋牌室|麻将室|作坊|诊所"
                   r"|工作室|培训班|幼儿园|公司|KTV|ktv|酒吧))")
# A fixture of the home or the building said to be at fault (灶打不着火, 煤气灶点不着): a repair the
# model may have read as something else.
_FIXTURE = re.compile(r"灶|炉|热水器|空调|灯|门|窗|锁|水管|管道|管子|龙头|马桶|地漏|下水|暖气|插座|开关|电闸|电梯|电悌"
                      r"|墙|屋顶|天花板|充电桩|监控|对讲|水箱|水泵|油烟机|厕所|卫生间|厨房|水池|洗手池|浴缸|淋浴|花洒"
                      r"|楼道|井盖|化粪池|门铃|热水|水压")
_FAULT = re.compile(r"坏|(打|点)(火)?不着|不打火|不点火|点火失败|不亮|不出(水|热水|电)?|漏|堵|不通|不转|不动了|不热|"
                    r"不制冷|失灵|没反应|打不开|关不上|关不紧|关不严|裂|跳闸|没电|滴水|(往下|一直|还在)滴|[返反]水|冒水|"
                    r"刷不开|烧(黑|坏|焦|糊)|充不上电|没(有)?声音?了|听不[到见]|不响|冇(水|电|热水)|"
                    r"水压(太|很|特别|有点)?(小|低|弱|不够)|用不了|(什么|啥)时候(能|才能)?修好|"
                    # 电梯停了三天了 (out_of_scope 1.0): what runs has stopped (not 门口停了辆车)
                    r"(电梯|电悌|扶梯|水泵|暖气|热水|空调|充电桩)[^，。,！!？?\s]{0,8}(停了|停运|停摆|不运行|不走了)")
UNSURE_FLAT = "不确定哪一户"
# The resident is not sure which flat it is (不知道几楼, 也可能是楼上的楼上): no room is inferred.
_UNSURE_WHICH = re.compile(r"(不知道|不清楚|不确定|不晓得|说不准|搞不清|分不清|听不出|也可能|不一定)[^，。,]{0,6}"
                           r"(几楼|几层|哪层|哪一层|哪家|哪户|哪一家|哪一户|几号|哪个|谁家)"
                           r"|(几楼|几层|哪层|哪家|哪户|谁家)[^，。,]{0,4}(不知道|不清楚|不确定|不晓得|说不准|搞不清)"
                           r"|楼上的楼上|楼下的楼下")


def without_greeting(text: str) -> str:
    """The request without the greeting before it (你好 我家水管漏了 → 我家水管漏了), as staff read it."""
    rest = _GREETING.sub("", text or "").strip()
    return rest if meaningful_length(rest) >= 2 else (text or "").strip()


def without_introduction(text: str) -> str:
    """The request without the address that introduces its writer (我是5栋1单元301的 我妈85了… →
    我妈85了…): the ticket shows the address. Unchanged when little else is said, or the address is
    part of the request (5栋1单元301漏水了), or a name follows it (我是3号楼的老张), or another address
    does (the ticket's is then another flat's)."""
    rest = _INTRODUCTION.sub("", text or "", count=1)
    if rest != (text or ""):
        rest = _ROOM_INTRODUCTION.sub("", rest, count=1)  # 我家住1502, after 我是17栋1单元的
    if meaningful_length(rest) < 2 or _ANOTHER_ADDRESS.search(rest):
        return text or ""  # 我住3栋1单元101 帮我妈报个修 她家在5栋1单元301: whose flat it is stays said
    return rest


def is_acknowledgement(text: str) -> bool:
    """知道了, 收到, 明白, 好的 等你们消息, 麻烦了: the resident has read the answer; nothing to do or add."""
    return bool(_ACKNOWLEDGEMENT.match(text or ""))


def adds_more(text: str, kind: Optional[str]) -> bool:
    """补充一下 已经漏到楼下了, 对了是卫生间那个水管: said to add to the request of ``kind`` (no other
    kind's words: 另外快递也丢了 is another request), however the model read it."""
    named = kinds_named(text)
    return bool(_MORE.match(text or "")) and (not named or named == {kind}) and not is_question(text)


def will_find_out(text: str) -> bool:
    """等我问问我儿子, 稍等 我找找房本, 记不清了: the resident will come back with the answer."""
    return bool(_FIND_OUT.search(text or "")) and not is_question(text)


def only_a_greeting(text: str) -> bool:
    """你好呀, 在吗？: nothing but a greeting."""
    return meaningful_length(_GREETING.sub("", text or "")) == 0


def meaningful_length(text: str) -> int:
    """Letters, digits and CJK characters only: emoji and punctuation do not count."""
    return sum(1 for ch in text or "" if unicodedata.category(ch)[0] in "LN")


def is_bare_score(text: str) -> bool:
    """Only a score, as the rating request asks for: 5, ５, 五, 4分, ⭐⭐⭐. The model cannot tell a bare
    digit from an answer to another question; the conversation can."""
    return bool(_BARE_SCORE.match(text or ""))


def rating_aside(text: str) -> Optional[int]:
    """The score in a message that judges a service (挺好的 谢谢王姐 → 4, 5, ⭐⭐⭐⭐) whatever else it
    says; None for one that does not (停车位一般都满, 这样行吗)."""
    if is_question(text) and not is_bare_score(text):
        return None
    score, _ = parse_rating(text)
    return score if score is not None and (is_bare_score(text) or _VERDICT.search(text or "")) else None


def is_cancel(text: str) -> bool:
    return bool(_CANCEL.search(text or ""))


def is_follow_up(text: str) -> bool:
    """The message asks how a request already made is going (进展如何, 怎么还没人来)."""
    return bool(_FOLLOW_UP.search(text or ""))


def asks_parcel_hours(text: str) -> bool:
    """门口的快递驿站几点关门: when a station or locker is open, with no parcel problem in the words."""
    text = text or ""
    return bool(_OPENING_HOURS.search(text)) and not _PARCEL_TROUBLE.search(text) and not names_a_fault(text)


def names_parcel_station(text: str) -> bool:
    """驿站, 快递柜, 丰巢, 代收快递的地方: the words name where parcels are kept."""
    return bool(_STATION.search(text or ""))


def asks_parcel_station_place(text: str) -> bool:
    """你好，请问代收快递的地方在哪: where a parcel station or locker is, with no parcel problem in the
    words (我的快递在哪 is one: the parcel is missing)."""
    text = text or ""
    return (bool(_STATION.search(text)) and bool(_WHERE.search(text)) and not _PARCEL_TROUBLE.search(text)
            and not names_a_fault(text))


def asks_charges(text: str) -> Optional[str]:
    """The kind of request whose cost a message asks about (维修要收钱吗 → repair, 认证要收费吗 →
    pension_certification, 调解收费吗 → noise_dispute); None when it asks none, or asks about what
    is not ours to do (换个防盗门大概多少钱 有没有推荐的牌子, 维修基金还剩多少钱, 停车费)."""
    text = text or ""
    if _NOT_OURS.search(text) or not (is_question(text) or re.search(r"多少|几块|收费标准|谁|不\s*$", text)):
        return None
    return next((kind for kind, words in _CHARGED if words.search(text)), None)


def asks_how_to_certify(text: str) -> bool:
    """养老金认证在哪个app上弄, 生存认证怎么弄: how to do the certification oneself, not asking for the
    errand (帮我妈认证, 上门) nor telling whom it is for or why they cannot (俺娘不识字, 老爷子中风了)."""
    text = text or ""
    return (bool(_HOW.search(text)) and bool(_CERTIFICATION.search(text) or re.search(r"资格|生存", text))
            and not _ERRAND_ASKED.search(text) and not states_the_request(text, "pension_certification"))


def asks_if_certification_due(text: str) -> bool:
    """我爸去年认证过了 今年还要认证吗, 养老金认证多久做一次: whether (or how often) it must be done,
    not asking for the errand, nor saying why they cannot (人都糊涂了还要认证吗: the errand)."""
    text = text or ""
    asked = is_question(text) or bool(re.search(r"是不是|要不要|需不需要", text))
    return bool(_CERTIFICATION_DUE.search(text)) and asked and not _CANNOT_CERTIFY.search(text)


def states_the_request(text: str, kind: str) -> bool:
    """Beside a question (要收钱吗), the message says what is wanted: what is broken (楼道灯坏了),
    whom an errand is for (我妈82了), what the neighbours do (楼上天天吵), what befell a parcel (丢了)."""
    text = text or ""
    if kind == "repair":
        return bool(_FAULT.search(text))
    if kind == "pension_certification":
        return bool(_PERSON.search(text) or _FOR_RELATIVE.search(text))
    if kind == "parcel":
        return bool(_PARCEL_TROUBLE.search(text))  # 快递丢了; not 丰巢的 柜子在3栋门口
    return kind == "noise_dispute" and bool(_DISPUTED.search(text) or _OTHER_SIDE.search(text))


def common_area(text: str) -> bool:
    """道闸坏了 车出不去, 路灯不亮, 健身器材坏了: a repair of a part of the compound nobody lives in,
    so no visit to a flat is arranged."""
    return bool(_COMMON_AREA.search(text or ""))


def shared_facility(text: str) -> Optional[str]:
    """楼道灯 for 楼道里的灯坏了: a shared facility the words name that the lookup does not find."""
    return next((name for name, words in _SHARED_IN_WORDS if words.search(text or "")), None)


def is_chasing(text: str) -> bool:
    """The message asks after a request impatiently (催一下, 怎么还没人来, 等了三天了), or complains."""
    return bool(_CHASE.search(text or "")) or is_complaint(text)


def faults_property_staff(text: str) -> bool:
    """保安晚上睡觉 门口谁都能进, 物业的人态度太差了: a complaint about the property company's own
    staff, whatever the model read it as (a dispute, 1.0): for the duty manager, not the mediators."""
    return bool(_STAFF_FAULT.search(text or ""))


def is_complaint(text: str) -> bool:
    """The message complains of how a request is handled (我要投诉, 说好的来了又没来, 态度太差)."""
    return bool(_COMPLAINT.search(text or ""))


def says_what_is_wrong(text: str) -> bool:
    """A complaint that says what it is about (保安态度太差, 我要投诉 小区垃圾好几天没人清理), not
    only that the resident wants to complain (我要投诉, 我要投诉物业)."""
    rest = re.sub(r"(我|俺)?(要|想|想要)?投诉(一下|你们|你们的?|物业|小区)*|[啊呀吧！!。，,\s]", "", text or "")
    return meaningful_length(rest) >= 4


def is_withdrawal(text: str) -> bool:
    """The message takes back a request already made (撤销, 不用来了, 作废)."""
    return bool(_WITHDRAW.search(text or ""))


def takes_back(text: str) -> bool:
    """Any word of taking something back (单子删了吧, 调解就免了, 别让师傅白跑一趟了), wider than
    is_withdrawal: a message the model reads as cancel_ticket without one is not a withdrawal
    (补充一下 已经漏到楼下了, 对了是卫生间那个水管)."""
    return bool(_WITHDRAW.search(text or "") or _CANCEL.search(text or "") or _TAKES_BACK.search(text or ""))


def names_a_time(text: str) -> bool:
    """The message says when (明天上午, 周六, 随时都行): an answer to 什么时间上门方便."""
    return bool(_TIME.search(text or ""))


def names_a_day_or_hour(text: str) -> bool:
    """The message names a day or an hour (下周二上午, 3点后), not only 随时 or 尽快: a time even
    where something else was asked."""
    return bool(_WHEN.search(text or ""))


def visit_time(text: str) -> str:
    """The time as the assignee should read it: 改成周日下午吧 → 周日下午; 随时 电话139… → 随时 (the
    number is the phone, kept as such)."""
    said = _PHONE_SAID.sub("", text or "")
    said = re.sub(r"^\s*((那就|那)?(改成|改到|改为|换成|换到|改)|那就)\s*", "", said)
    said = re.sub(r"[吧呗啊哈]?\s*[。！!～~.，,]*\s*$", "", said).strip()
    if re.fullmatch(r"随便(都行|都可以|啦|了)?", said):
        return "随时都可以"  # what the resident means, and how the assignee should read it
    return (said or (text or "").strip())[:100]


def availability(text: str) -> Optional[str]:
    """When the resident is in, said with the request itself (水龙头坏了 明天上午在家 → 明天上午在家):
    a part of the message with a day or hour and a word of being in or free. None for when a fault
    began (昨天下午开始漏水) or a visit that was missed (上周三来过一次)."""
    text, lead = text or "", ""  # 明天 上午在家: a day said apart from the rest
    for start, end in _parts_of_message(text):
        part = text[start:end]
        said = lead + part
        if ((_WHEN.search(said) or "随时" in said) and _AVAILABLE.search(part) and not _PAST.search(said)
                and not is_question(part)):  # 师傅明天能上门吗: asked, not said; the question follows
            return visit_time(re.sub(r"^(我|俺|我们|我家)(一般)?", "", said))
        lead = part + " " if _WHEN.search(part) and len(part) <= 4 else ""
    return None


def visit_moved(text: str, before: str = "") -> Optional[str]:
    """A visit already arranged, moved (上门时间能改到周六上午吗, 明天上午家里没人 改下午, 明天我不在家): the
    new time as visit_time writes it, with the day of another part when only an hour is given
    (不好意思 明天上午临时有事 师傅下午来行不 → 明天下午), else the day of the time ``before`` (明天上午,
    then 改下午吧 → 明天下午); "" when the words only say when the resident cannot (明天我不在家
    能不能换个时间). None when they move no visit."""
    text = text or ""
    not_in = bool(_NOT_IN.search(text) and _WHEN.search(text))  # 明天上午家里没人
    said = bool(_MOVE.search(text) or _ANOTHER_DAY.search(text) or not_in)
    if not (said or _MOVE_TO.search(text)):
        return None
    taken_back = is_withdrawal(text) and not _ANOTHER_DAY.search(text)
    if (_MOVE_ASKED.search(text) or taken_back or _FAULT.search(text) or _FIXED.search(text)
            or kinds_named(text) - {"repair", "pension_certification"}):
        return None  # 换到哪天了, 别来了 已经修好了, 暖气一点都不热 孩子不在家, 今天有快递到 我不在家, 修好了
    parts = [text[start:end] for start, end in _parts_of_message(text)]
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if not names_a_day_or_hour(part) or _NOT_IN.search(part) or _PAST.search(part):
            continue
        when = _MOVED_TAIL.sub("", _MOVE_LEAD.sub("", part)).strip()
        rest = _TIME_FILLER.sub("", _TIME.sub("", when))
        if not when or not names_a_day_or_hour(when) or meaningful_length(rest):
            continue  # only a time: not 能不能改一点东西
        day = next((found.group() for earlier in reversed(parts[:index])
                    for found in [_DAY.search(earlier)] if found), "")
        return with_day_of(visit_time(when if _DAY.search(when) or not day else day + when), before)
    return "" if said else None


def with_day_of(when: str, before: str) -> str:
    """明天下午 for 下午 after 明天上午: a time with no day takes the day of the time ``before``."""
    day = _DAY.search(before or "")
    return day.group() + when if when and day and not _DAY.search(when) else when


def time_given(text: str) -> Optional[str]:
    """The visit time an answer to the summary gives, as visit_time writes it: 周六上午; 不对，改成周日下午吧
    and 时间不对，应该是周日下午 → 周日下午; 不是周六，是周日上午 → 周日上午. None when it names none, only
    takes one back (不是明天上午), or corrects another part (描述不对，周六那天漏得更厉害)."""
    if not names_a_time(text) or (is_no(text) and correction_part(text) in ("address", "description")):
        return None
    said = next((clause for clause in reversed(_CLAUSE.split(text or "")) if names_a_time(clause)), "")
    said = _DENIAL_LEAD.sub("", said)
    denial = next((word for word in ("不是", "不要", "不行", "不在", "别") if said.startswith(word)), None)
    if denial:
        instead = _INSTEAD.search(said, len(denial))  # 不是周六是周日上午
        if not instead:
            return None
        said = said[instead.end():]
    said = _TIME_LEAD.sub("", said)
    return visit_time(said) if names_a_time(said) and _mostly_a_time(said) else None


def _mostly_a_time(text: str) -> bool:
    """周六上午, 明天上午不行 周日都在家: words of when and of being in; not 今天天气不错 (a day named
    in passing)."""
    rest = _TIME_FILLER.sub("", _TIME.sub("", visit_time(text)))
    return meaningful_length(rest) <= 2


def kinds_named(text: str) -> FrozenSet[str]:
    """The kinds of request whose words the message uses (水管 → repair, 快递 → parcel); often none
    (催一下), sometimes several (快递柜坏了)."""
    return frozenset(kind for kind, pattern in _KINDS if pattern.search(text or ""))


def other_request(text: str, kind: str) -> Optional[Tuple[str, str]]:
    """A second request in the same message (楼上漏水到我家了 另外快递也丢了, taken as a parcel problem):
    (its kind, the words about it), from a part of the message whose words name that kind only.
    None when there is none; 快递柜坏了 is one request, whose words name two kinds."""
    return split_other_request(text, kind)[1]


def split_other_request(text: str, kind: str) -> Tuple[str, Optional[Tuple[str, str]]]:
    """The message without its second request (see other_request), and that request: 快递丢了
    楼上噪音太吵了, read as a noise dispute, is ("楼上噪音太吵了", ("parcel", "快递丢了")).
    (text, None) when there is no second request."""
    text = text or ""
    for start, end in _parts_of_message(text):
        part = _CONNECTOR.sub("", text[start:end]).strip()
        named = kinds_named(part)
        if (len(named) == 1 and kind not in named and meaningful_length(part) >= 4
                and not is_question(part) and not is_follow_up(part) and not is_withdrawal(part)):
            rest = _SEPARATORS.sub(lambda run: run.group()[0], text[:start] + text[end:])
            return _CONNECTOR.sub("", _EDGE_SEPARATORS.sub("", rest)), (next(iter(named)), part)
    return text, None


def _parts_of_message(text: str) -> Iterator[Tuple[int, int]]:
    """(start, end) of each part of a message: between punctuation or spaces, and before 另外, 还有 …"""
    position = 0
    for separator in _PARTS_OF_MESSAGE.finditer(text):
        if separator.start() > position:
            yield position, separator.start()
        position = max(position, separator.end())
    if position < len(text):
        yield position, len(text)


def kind_meant(text: str, model_kind: str) -> str:
    """The kind a follow-up is about: the model's, unless the words name one other kind only."""
    named = kinds_named(text)
    return next(iter(named)) if len(named) == 1 and model_kind not in named else model_kind


def is_yes(text: str) -> bool:
    return bool(_YES.search(text or ""))


def describes_a_parcel(text: str) -> bool:
    """The message names the parcel (单号后四位3345, 取件码, 中通的): a detail of a parcel problem."""
    return bool(_PARCEL.search(text or "")) and not is_question(text)


def puts_off(text: str) -> bool:
    """等会儿再说, 我先去吃饭了, 回头再弄: the request is to wait, not to be dropped nor added to."""
    return bool(_LATER.search(text or "")) and not is_question(text) and not is_cancel(text)


def without_put_off(text: str) -> str:
    """The request without the words that put it off (我家水龙头坏了 等会儿再说 → 我家水龙头坏了)."""
    rest = re.sub(rf"(?:{_LATER.pattern})[了吧啊哈呀哦]*", " ", text or "")
    return re.sub(r"\s+", " ", rest).strip(" \t，,。.!！~～、;；")


def compliments(text: str) -> bool:
    """你们效率真高, 辛苦了, 谢谢: a kind word, not more about the request."""
    return is_praise(text) or bool(_COMPLIMENT.search(text or ""))


def is_praise(text: str) -> bool:
    """表扬一下隔壁阿姨, 想给快递小哥送面锦旗: a good word about someone, not a request."""
    return bool(_PRAISE.search(text or ""))


def asks_if_bot(text: str) -> bool:
    """你是机器人吗, 是真人还是自动回复啊: the resident asks who answers, and does not ask for a person."""
    text = text or ""
    return (bool(_ASKS_IF_BOT.search(text)) and not _WANTS_A_PERSON.search(text)
            and (bool(_TO_US.search(text)) or meaningful_length(text) <= 10))


def someone_elses_home(text: str, dispute: bool = False) -> bool:
    """The request is for a home that is not the resident's (帮我邻居报个修 她家在3栋1单元302, 我妈家的
    马桶堵了 她住5栋1单元301, 我住在外地): its address is not to be remembered as theirs. In a
    ``dispute`` only a relative's home counts (他家是602 is the other party's)."""
    return bool((_FAMILYS if dispute else _SOMEONE_ELSES).search(text or ""))


def describes_a_person(text: str) -> bool:
    """The message says who the request is for (她叫李桂兰, 老人78岁): a detail of the request,
    whichever intent the model read (human_handoff, out_of_scope, inform)."""
    return bool(_PERSON.search(text or "")) and not is_question(text)


def is_question(text: str) -> bool:
    """The message asks something (什么意思, 要多久): never a yes, whatever the model read."""
    return bool(_QUESTION.search(text or ""))


def is_no(text: str) -> bool:
    return bool(_NO.search(text or ""))


def correction_part(text: str) -> Optional[str]:
    """Which part of the summary the resident wants to change: address, description or third."""
    for part, pattern in _PARTS:
        if pattern.search(text or ""):
            return part
    return None


def describes_a_fault(text: str) -> bool:
    """就卧室那个不热 其他还行, 水还在往下滴: what is wrong, said without asking anything."""
    return bool(_FAULT.search(text or "")) and not is_question(text)


def a_fault_not_a_dispute(text: str) -> bool:
    """窗户关不严实 一刮风就呜呜的叫: a fixture at fault, and no neighbour nor noise word (楼上水管爆了
    淹到我家 要求调解 is a dispute): a repair, whatever kind the model read."""
    return names_a_fault(text) and not _NEIGHBOUR_OR_NOISE.search(text or "")


def names_a_fault(text: str) -> bool:
    """煤气灶点不着, 灶打不着火: a fixture and what is wrong with it."""
    return bool(_FIXTURE.search(text or "")) and bool(_FAULT.search(text or ""))


def neighbour_nuisance(text: str) -> bool:
    """对面邻居把电动车推到楼道里充电, 邻居在楼道里堆了好多纸箱: a neighbour's doing that troubles
    others, with no noise word, told as a complaint (not asked about, praised or about one's own dog)."""
    text = text or ""
    return (bool(_NUISANCE.search(text)) and bool(_OTHER_SIDE.search(text) or re.search(r"有人", text))
            and not is_question(text) and not compliments(text) and not re.search(r"我家的?狗|哈哈", text))


def request_named(text: str) -> Optional[str]:
    """The request a message plainly names, whatever the model read: a repair when a fixture is
    said to be at fault (names_a_fault); a parcel problem or a certification errand when its words
    are the only kind the message uses (快递里少东西了, 生存认证过期了 咋补啊). None otherwise:
    物业费怎么交; 快递柜坏了那事 (two kinds); 我想学手机刷脸 (a face scan is not the errand)."""
    if _NOT_A_REQUEST.search(text or ""):
        return None
    if names_a_fault(text):
        return "repair"
    if neighbour_nuisance(text):  # 对面邻居把电动车推到楼道里充电 (out_of_scope 1.0): a dispute
        return "noise_dispute"
    named, text = kinds_named(text), text or ""
    if named == {"parcel"} and _PARCEL_TROUBLE.search(text):
        return "parcel"
    if named == {"pension_certification"} and _CERTIFICATION.search(text) and _CERTIFIED.search(text):
        return "pension_certification"
    return None


def ordinal(text: str) -> Optional[int]:
    """第一个, 1, 第二项 … answered to a list of buttons: the index (0 for the first); None otherwise."""
    found = _ORDINAL.match(text or "")
    return _ORDINALS[found.group(1)] if found else None


def is_generic_request(text: str) -> bool:
    """A bare "我要报修" (often a menu click) that says nothing about the problem itself."""
    compact = re.sub(r"[\s，。,.!！?？~～]", "", text or "")
    return not compact or bool(_GENERIC.match(compact))


def says_fixed(text: str) -> bool:
    """师傅来过了 修好了, 灯已经亮了: the resident says the problem is solved by whoever was sent (not
    还没修好, not 修好了吗, not 找了个师傅修好了 or 不用来了 已经修好了, which take the request back)."""
    text = text or ""
    return (bool(_FIXED.search(text)) and not _NOT_FIXED.search(text) and not is_question(text)
            and not re.search(r"(没|没有|还没|未|不)\s*(修|弄|搞|整|处理|解决)?好", text) and not is_withdrawal(text))


def parse_rating(text: str) -> Tuple[Optional[int], bool]:
    """(score 1–5 or None, whether the resident says it is not fixed)."""
    text = text or ""
    not_fixed = bool(_NOT_FIXED.search(text))
    match = _SCORE.search(text)
    if match:
        raw = next(group for group in match.groups() if group)
        raw = unicodedata.normalize("NFKC", raw)
        return (_CN_DIGIT.get(raw) or int(raw)), not_fixed
    stars = len(_STARS.findall(text))
    if 1 <= stars <= 5:
        return stars, not_fixed
    if _VERY_UNHAPPY.search(text):
        return 1, not_fixed
    if _NOT_HAPPY.search(text):  # 不是很满意, 不太满意, 不满意: a negated "satisfied"
        return 2, not_fixed
    for score, pattern in _WORDS:
        if pattern.search(text):
            return score, not_fixed
    return None, not_fixed


def other_party(text: str, own_room: Optional[str], building: Optional[str] = None,
                room: Optional[str] = None) -> Optional[str]:
    """Who a dispute is with: "3栋602", "楼下401" (named with where it is), or "楼上（602）" worked
    out from the resident's room, or "楼下（不确定哪一户）" when the resident says they cannot tell which flat."""
    text = text or ""
    said = _relation_said(text)
    if building or room:  # 就是楼下401: 楼下401 (named, so not worked out again: _relation)
        where = f"{building + '栋' if building else ''}{room or ''}"
        return f"{said[0]}{where}" if said else where
    if said is None:
        return None
    word, start = said
    shop = _SHOP.match(text, start + len(word))
    if shop:
        return f"{word}{shop.group('shop')}"
    if unsure_which(text):
        return f"{word}（{UNSURE_FLAT}）"
    offset = _RELATIONS[word]
    if offset and own_room and own_room.isdigit():
        return f"{word}（{int(own_room) + offset}）"
    return word


def _relation_said(text: str) -> Optional[Tuple[str, int]]:
    """The first of _RELATIONS the text says and does not deny (不是楼下 是对门: 对门), and where."""
    for word in _RELATIONS:
        for found in re.finditer(word, text):
            if not _NEGATED.search(text[:found.start()]):
                return word, found.start()
    return None


def asks_confidentiality(text: str) -> bool:
    """能不能别让他们知道是我反映的, 会不会告诉楼上是我举报的, 我反映的事能保密吗: whether the other side
    will learn who complained."""
    return bool(_CONFIDENTIAL.search(text or ""))


def asks_for_butler(text: str) -> bool:
    """我们楼的楼栋长是谁, 楼栋长电话多少, 怎么联系我们楼的红管家: who the building's butler is."""
    return bool(_WHO_IS_BUTLER.search(text or ""))


def names_the_other_side(text: str) -> bool:
    """对方, 他家, 楼上, or just 他/她 (不知道他住几号): the words are about the other side of a dispute."""
    return bool(_OTHER_SIDE.search(text or "") or _PRONOUN.search(text or ""))


def puts_right_party(text: str) -> bool:
    """不是对面 是楼上, 对方应该是3栋602: the resident corrects who a dispute is with, without asking
    (an address said so is the neighbour's, not the resident's own)."""
    text = text or ""
    return (bool(_PUTS_RIGHT.search(text) and _OTHER_SIDE.search(text)) and not _MY_HOME.search(text)
            and not is_question(text))


def unsure_which(text: str) -> bool:
    """不知道几楼 反正就是楼下: the resident cannot say which flat the noise comes from."""
    return bool(_UNSURE_WHICH.search(text or ""))


def _relation(party: Optional[str]) -> Optional[str]:
    """楼上 for "楼上" or "楼上（602）" (a flat worked out, not named by the resident); else None."""
    return next((word for word in _RELATIONS if re.fullmatch(rf"{word}(（\d+）)?", party or "")), None)


def relative_party(party: Optional[str], own_room: Optional[str]) -> Optional[str]:
    """A neighbour named by where they live from the resident (楼上, 楼上（402）), worked out again
    for the resident's room as now known; None when the party is not named that way."""
    word = _relation(party)
    return other_party(word, own_room) if word else None


def vaguer_party(party: Optional[str], text: str) -> Optional[str]:
    """楼下（402）, worked out from 楼下, once the resident says 不知道几楼: 楼下（不确定哪一户）.
    None when the message takes nothing back."""
    word = _relation(party)
    return f"{word}（{UNSURE_FLAT}）" if word and unsure_which(text) else None
