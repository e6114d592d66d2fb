"""The shop's products: sku, title, price in every currency, and how popular each one is."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from .money import cents_str

CURRENCIES = ("USD", "EUR", "GBP", "CAD")
# Fixed presentment rates: prices are set once per market, like a shop's price lists.
_FX = (1.0, 0.92, 0.79, 1.37)
SHOP_URL = "https://shop.example.com"

# (collection handle, sku code, noun, min and max USD dollars, adjectives)
_CATEGORIES = (
    ("tees", "TEE", "Tee", 15, 38, ("Classic", "Organic", "Heavyweight", "Pocket", "Vintage")),
    ("hoodies", "HOD", "Hoodie", 45, 90, ("Zip", "Pullover", "Fleece", "Oversized")),
    ("sneakers", "SNK", "Sneaker", 60, 180, ("Runner", "Court", "Trail", "Canvas")),
    ("bags", "BAG", "Backpack", 35, 140, ("Commuter", "Roll-Top", "Daypack")),
    ("hats", "HAT", "Cap", 12, 35, ("Dad", "Trucker", "Wool", "Five-Panel")),
    ("socks", "SCK", "Socks", 8, 22, ("Crew", "Ankle", "Merino")),
    ("mugs", "MUG", "Mug", 12, 28, ("Ceramic", "Enamel", "Travel")),
)
_COLORS = (
    ("Black", "BLK"),
    ("White", "WHT"),
    ("Navy", "NVY"),
    ("Olive", "OLV"),
    ("Grey", "GRY"),
    ("Red", "RED"),
    ("Sand", "SND"),
)
_CENT_ENDINGS = (0, 0, 50, 99)


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    title: str
    url: str
    prices: tuple[int, ...]  # cents, indexed like CURRENCIES
    # '"sku":"..","price":12.50,' per currency: the hot web path only concatenates.
    web_fragments: tuple[str, ...]


class Catalog:
    """Products with Zipf-like popularity, plus the search terms shoppers type."""

    def __init__(self, rng: random.Random) -> None:
        products: list[Product] = []
        terms: list[str] = []
        for handle, code, noun, low, high, adjectives in _CATEGORIES:
            terms.append(handle)
            for adjective in adjectives:
                for color, color_code in rng.sample(_COLORS, rng.randint(1, 3)):
                    n = len(products) + 1
                    usd = rng.randint(low, high) * 100 + rng.choice(_CENT_ENDINGS)
                    usd = max(usd - 100, 100) if usd % 100 == 99 else usd
                    prices = tuple(
                        usd if fx == 1.0 else max(99, round(usd * fx / 100) * 100 - 1) for fx in _FX
                    )
                    title = f"{adjective} {noun} - {color}"
                    slug = title.lower().replace(" - ", "-").replace(" ", "-")
                    sku = f"{code}-{n:03d}-{color_code}"
                    products.append(
                        Product(
                            sku=sku,
                            title=title,
                            url=f"{SHOP_URL}/products/{slug}",
                            prices=prices,
                            web_fragments=tuple(
                                f'"sku":"{sku}","price":{cents_str(p)},' for p in prices
                            ),
                        )
                    )
                terms.append(f"{color.lower()}+{noun.lower()}")
        # Popularity follows rank^-0.9 over a shuffled order: a few best sellers, a long tail.
        order = list(range(len(products)))
        rng.shuffle(order)
        weights = [0.0] * len(products)
        for rank, index in enumerate(order, start=1):
            weights[index] = rank**-0.9
        self.products = products
        self.search_terms = tuple(terms)
        self._cum = list(accumulate(weights))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> Product:
        return self.products[bisect_right(self._cum, rng.random() * self._total)]
