"""Every product the app recognises, in the order their patterns are tried."""

from __future__ import annotations

from collections.abc import Mapping

from wizard.servers import (
    courier,
    cyrus,
    dovecot,
    exchange,
    exim,
    haraka,
    opensmtpd,
    postfix,
    sendmail,
)
from wizard.servers.product import Product

PRODUCTS: tuple[Product, ...] = (
    dovecot.PRODUCT,
    haraka.PRODUCT,
    postfix.PRODUCT,
    exim.PRODUCT,
    sendmail.PRODUCT,
    opensmtpd.PRODUCT,
    cyrus.PRODUCT,
    courier.PRODUCT,
    exchange.PRODUCT,
)

BY_KEY: Mapping[str, Product] = {p.key: p for p in PRODUCTS}
