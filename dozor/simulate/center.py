"""The demo contact center's directory: its groups, channels, topics and operators.

Plain data, shared by the simulation (who may take what) and by ``setup.py`` (the rows the
demo writes before its first event, so the console shows names instead of ids).
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    name: str
    medium: str  # chat / call / email
    kind: str  # web-chat / telegram / vk / phone / email
    bot: bool = False  # a chat bot greets the client before an operator joins


@dataclass(frozen=True, slots=True)
class Operator:
    id: str
    name: str
    groups: tuple[str, ...]
    chat_capacity: int = 3
    slow: bool = False  # takes long to accept and to reply: the demo's overdue conversations


GROUPS = (
    Group("sales", "Продажи"),
    Group("support", "Поддержка"),
    Group("vip", "VIP"),
)

CHANNELS = (
    Channel("phone-sales", "Телефон: продажи", "call", "phone"),
    Channel("phone-support", "Телефон 8-800", "call", "phone"),
    Channel("phone-vip", "Телефон VIP", "call", "phone"),
    Channel("web-chat", "Чат на сайте", "chat", "web-chat", bot=True),
    Channel("telegram", "Telegram", "chat", "telegram", bot=True),
    Channel("vk", "ВКонтакте", "chat", "vk"),
    Channel("email", "Почта", "email", "email"),
)

TOPICS = {
    "sales": (("order", "Оформление заказа"), ("price", "Цены и скидки")),
    "support": (("delivery", "Доставка"), ("payment", "Оплата"), ("return", "Возврат")),
    "vip": (("personal-manager", "Персональный менеджер"),),
}

# In roster order: the first ones are on shift even at night, so they cover every group.
OPERATORS = (
    Operator("op-01", "Анна Смирнова", ("support",)),
    Operator("op-02", "Дмитрий Иванов", ("sales",)),
    Operator("op-03", "Елена Кузнецова", ("vip", "sales"), chat_capacity=2),
    Operator("op-04", "Сергей Попов", ("support",), slow=True),
    Operator("op-05", "Ольга Васильева", ("support", "sales"), chat_capacity=4),
    Operator("op-06", "Алексей Петров", ("sales",)),
    Operator("op-07", "Мария Соколова", ("support",)),
    Operator("op-08", "Игорь Михайлов", ("vip",), chat_capacity=2),
    Operator("op-09", "Наталья Новикова", ("support",)),
    Operator("op-10", "Андрей Фёдоров", ("sales",), slow=True),
    Operator("op-11", "Татьяна Морозова", ("support",), chat_capacity=4),
    Operator("op-12", "Павел Волков", ("support", "vip")),
    Operator("op-13", "Юлия Алексеева", ("sales",)),
    Operator("op-14", "Николай Лебедев", ("support",), slow=True),
    Operator("op-15", "Екатерина Семёнова", ("sales", "support")),
    Operator("op-16", "Михаил Егоров", ("support",), chat_capacity=2),
    Operator("op-17", "Светлана Павлова", ("vip",), chat_capacity=2),
    Operator("op-18", "Артём Козлов", ("sales",)),
    Operator("op-19", "Ирина Степанова", ("support",)),
    Operator("op-20", "Роман Николаев", ("support", "sales")),
)

CHANNELS_BY_ID = {channel.id: channel for channel in CHANNELS}
