"""What the simulated people are called and what they write."""

from random import Random
from typing import Any

FIRST_NAMES = (
    "Александр", "Алина", "Борис", "Вера", "Виктор", "Галина", "Денис", "Евгения", "Жанна",
    "Кирилл", "Ксения", "Леонид", "Людмила", "Максим", "Надежда", "Олег", "Полина", "Руслан",
    "София", "Тимур", "Ульяна", "Фёдор", "Эльвира", "Ярослав",
)  # fmt: skip
LAST_INITIALS = "АБВГДЕЖЗИКЛМНОПРСТУФХЧШЯ"

QUESTIONS = {
    "sales": (
        "Здравствуйте, хочу оформить заказ",
        "Есть ли скидка при заказе от трёх штук?",
        "Подскажите, когда товар снова будет в наличии?",
    ),
    "support": (
        "Здравствуйте, где мой заказ?",
        "Не проходит оплата картой",
        "Как вернуть товар?",
        "Курьер не приехал в назначенное время",
    ),
    "vip": (
        "Добрый день, соедините с моим менеджером",
        "Нужна срочная консультация по договору",
    ),
}
FOLLOW_UPS = (
    "Спасибо, а сколько это займёт?",
    "Понятно. А если не получится?",
    "Номер заказа 48213",
    "Хорошо, жду",
    "Можно подробнее?",
)
NUDGES = ("Есть кто-нибудь?", "Алло, ответьте, пожалуйста")
GREETINGS = ("Здравствуйте! Меня зовут {name}, сейчас помогу.", "Добрый день! {name}, слушаю вас.")
ANSWERS = (
    "Проверила, всё в порядке, заказ в пути.",
    "Оформил заявку, номер придёт в СМС.",
    "Уточняю информацию, минуту.",
    "Да, это возможно. Отправил инструкцию на почту.",
)
BOT_GREETING = "Здравствуйте! Я бот-помощник. Выберите тему или дождитесь оператора."
EMAIL_ANSWER = "Добрый день! Ответ на ваш вопрос во вложении. С уважением, служба поддержки."


def client(rng: Random, number: int, kind: str) -> dict[str, Any]:
    """A client as ``conversation.opened`` carries one: what each kind of channel knows."""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}."
    if kind == "phone":
        return {"name": name, "phone": f"+7 9{rng.randrange(10**9):09d}"}
    if kind == "email":
        return {"name": name, "email": f"client{number}@example.com"}
    if kind in ("telegram", "vk"):
        return {"id": f"{kind}-{rng.randrange(10**8)}", "name": name}
    return {"name": name}


def question(rng: Random, group: str) -> str:
    return rng.choice(QUESTIONS[group])


def greeting(rng: Random, operator_name: str) -> str:
    return rng.choice(GREETINGS).format(name=operator_name.split()[0])
