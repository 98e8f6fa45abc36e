"""Demo messages: a few per store (sent, failed, queued) so the outbox has rows."""

from __future__ import annotations

import random

from sqlalchemy import select

from .. import demo
from ..customers.models import Customer
from ..extensions import db
from . import services
from .models import OutboundMessage


@demo.seeder(50)
def seed_messages(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Welcome SMS and emails to the store's first customers; idempotent through the keys."""
    store = staff.store
    customers = (
        db.session.execute(
            select(Customer)
            .where(Customer.mobile.is_not(None))
            .order_by(Customer.id)
            .limit(max(2, int(6 * staff.scale)))
        )
        .scalars()
        .all()
    )
    targets = [(c.id, c.name, c.mobile) for c in customers] or [
        (None, demo.person_name(rng), demo.mobile(rng)) for _ in range(2)
    ]
    for n, (customer_id, name, mobile) in enumerate(targets):
        message = services.queue_message(
            "sms",
            mobile,
            f"【{store.name}】尊敬的{name}，感谢您的到店，如需试驾或报价请随时联系我们。",
            key=f"demo:welcome:{n}",
            customer_id=customer_id,
            template="welcome",
            enqueue=False,
        )
        if message.status == "queued" and n % 3 != 2:  # leave every third one queued
            services.deliver_message(message.id)
    email = services.queue_message(
        "email",
        f"owner{store.id}@example.com",
        "您的爱车即将到期保养，欢迎预约到店。",
        key="demo:service-reminder",
        subject="保养提醒",
        template="service_reminder",
        enqueue=False,
    )
    if email.status == "queued":
        # A provider refusal, so the outbox shows a failed message and the retry job has work.
        email.status, email.attempts, email.error = "failed", 1, "邮件服务商拒收：收件人不存在（演示数据）"
    if not db.session.execute(select(OutboundMessage.id).where(OutboundMessage.channel == "wechat").limit(1)).scalar():
        services.queue_message(
            "wechat",
            f"demo-openid-{store.id}",
            "您预约的试驾已确认，期待您的光临。",
            key="demo:wechat:test-drive",
            template="test_drive_confirmed",
            enqueue=False,
        )
    db.session.flush()


@demo.seeder(51)
def seed_consents(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Marketing consent for about two customers in three (signed at the showroom), a few
    refusals of marketing and one of service messages, so bulk sends have something to skip."""
    from . import consent

    ids = (
        db.session.execute(select(Customer.id).order_by(Customer.id).limit(max(6, int(60 * staff.scale))))
        .scalars()
        .all()
    )
    for n, customer_id in enumerate(ids):
        if n % 3 != 2:
            consent.record_consent(customer_id, "marketing", True, "paper_form")
        elif n % 9 == 2:
            consent.record_consent(customer_id, "marketing", False, "phone", "不希望收到活动短信")
        if n == 5:
            consent.record_consent(customer_id, "service", False, "phone", "只接受电话联系")
