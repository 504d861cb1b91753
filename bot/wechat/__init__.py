"""The WeChat official account: outbound client, shared access token, notifier, menu, fake API.

Nothing here connects to anything at import time; entry points build clients and notifiers
from a :class:`bot.wechat.config.WeChatConfig`.
"""
