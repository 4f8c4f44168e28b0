"""The simulated B2B SaaS business behind the sandbox apps: its customers, their people and how they behave.

The loop's models join Stripe, Zendesk and Segment the way they would in a real company, so the cast
is built with the same links and the same mess:

- A Stripe customer is a company account (`cus_`), billed at its domain (billing@, finance@ or a person).
- About 90% of companies have a Zendesk organization with `domain_names: [domain]`; most of those
  carry `external_id` = the Stripe customer id, the rest can only be matched by domain.
- A company's people have a product user id (`usr_...`, the Segment `userId`). About 85% of them have a
  Zendesk user: mostly the same email (sometimes with different letter case), some on a gmail alias
  with no organization (a missing link); about 60% of Zendesk users carry the product user id as
  `external_id`.
- Segment identify calls carry the email in `traits`; group calls carry `groupId` = the Stripe
  customer id for most companies, the bare domain for some, and a few never send group calls.
- Spend is heavy-tailed: seats follow a Pareto law and bigger accounts pick pricier plans.
- Fates: most subscriptions are active, new signups trial, some are past due, some churn inside the
  window (subscription canceled, product events stop) and a few are set to cancel at period end.
- Product activity per person is lognormal (a few power users, a long quiet tail) with weekday
  seasonality; bigger, healthier accounts open more tickets.

The cast depends only on (seed, customers, now, days), so `activity` can rebuild it from the
generator's settings stored in the sandbox state.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass

DAY = 86400

ADJECTIVES = ("Blue", "Bright", "Cedar", "Clear", "Copper", "Delta", "Echo", "Falcon", "Granite", "Harbor",
              "Iron", "Juniper", "Keystone", "Lumen", "Maple", "Nimbus", "North", "Orbit", "Pine", "Quartz",
              "Red", "Silver", "Summit", "Tidal", "Union", "Vertex", "Willow", "Zephyr")
NOUNS = ("Analytics", "Bank", "Bio", "Cloud", "Commerce", "Data", "Dynamics", "Energy", "Foods", "Freight",
         "Health", "Insights", "Logistics", "Media", "Metrics", "Networks", "Robotics", "Security",
         "Software", "Studios", "Systems", "Travel", "Ventures", "Works")
SUFFIXES = ("", "", "", " Inc", " Labs", " GmbH", " Ltd", " Group", " Co")
TLDS = (".com", ".com", ".com", ".io", ".co", ".ai", ".de", ".net")
FIRST_NAMES = ("Ada", "Alex", "Amara", "Ben", "Carla", "Chen", "Dana", "Diego", "Elena", "Fatima", "Felix",
               "Grace", "Hana", "Ivan", "Jana", "Jonas", "Kai", "Lena", "Liam", "Maya", "Mia", "Noah",
               "Omar", "Priya", "Rosa", "Sam", "Sofia", "Tariq", "Uma", "Yuki", "Zoe")
LAST_NAMES = ("Adams", "Baker", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
              "Kim", "Lopez", "Meyer", "Nguyen", "Okafor", "Patel", "Quinn", "Rossi", "Schmidt", "Silva",
              "Tanaka", "Umar", "Virtanen", "Weber", "Xu", "Young", "Zhang")


@dataclass(frozen=True)
class Plan:
    """A recurring price: `unit_amount` cents per seat per month."""

    name: str
    unit_amount: int


PLANS = {
    "starter": Plan("starter", 1500),
    "team": Plan("team", 3900),
    "business": Plan("business", 7900),
    "enterprise": Plan("enterprise", 12900),
}


@dataclass(frozen=True)
class Person:
    """Somebody at a customer company who uses the product."""

    user_id: str             # the product's user id: Segment userId, sometimes Zendesk external_id
    anonymous_id: str
    name: str
    email: str               # canonical, lowercase, at the company's domain
    zendesk_email: str | None  # None: never contacted support; may differ in case or be a gmail alias
    zendesk_linked: bool     # Zendesk user carries user_id as external_id
    weight: float            # relative product activity


@dataclass(frozen=True)
class Company:
    """A customer account, identical across the three apps up to the deliberate mess."""

    customer_id: str
    name: str
    domain: str
    created: int
    billing_email: str
    plan: Plan
    interval: str            # month | year
    seats: int
    fate: str                # active | trialing | past_due | churned
    churned_at: int | None
    cancel_at_period_end: bool
    has_organization: bool
    organization_linked: bool  # Zendesk organization external_id = customer_id
    group_id: str | None     # Segment groupId: customer id, domain, or None (never sends group calls)
    people: tuple[Person, ...]

    @property
    def size(self) -> float:
        """How much this account weighs in support load and usage (grows slower than seats)."""
        return math.sqrt(self.seats)


ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # Stripe's 62, in the order ids sort
# A byte-translation table: every byte value maps to one of the 62 id characters.
ID_CHARACTERS = bytes(ID_ALPHABET.encode()[b % 62] for b in range(256))


def random_id(rng: random.Random, prefix: str, length: int = 14) -> str:
    """A Stripe-style id (`cus_...`) drawn from `rng`, so that a seed reproduces it."""
    # one C-level byte translation instead of a Python loop per character: ids are minted by the million
    return prefix + rng.randbytes(length).translate(ID_CHARACTERS).decode()


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; normal approximation for large means, where it is exact enough)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def build_world(*, seed: int, customers: int, now: int, days: int) -> list[Company]:
    """The whole cast for one generator run: `customers` companies with their people."""
    rng = random.Random(f"world:{seed}")
    window_start = now - days * DAY
    taken_domains: set[str] = set()
    return [_company(rng, index, now, window_start, taken_domains) for index in range(customers)]


def new_company(rng: random.Random, *, created: int, taken_domains: set[str]) -> Company:
    """A company signing up at `created` (used by `activity` for new customers): trialing, unlinked in Zendesk."""
    name, domain = _name_and_domain(rng, taken_domains)
    seats = _seats(rng)
    people = _people(rng, domain, _headcount(rng, seats))
    customer_id = random_id(rng, "cus_")
    return Company(customer_id, name, domain, created, f"billing@{domain}", _plan_for(rng, seats), "month",
                   seats, "trialing", None, False, False, False, customer_id, people)


def _company(rng: random.Random, index: int, now: int, window_start: int, taken: set[str]) -> Company:
    name, domain = _name_and_domain(rng, taken)
    seats = _seats(rng)
    new_signup = rng.random() < 0.12
    if new_signup:
        created = rng.randint(window_start, now - 3600)
    else:
        created = window_start - rng.randint(DAY, 3 * 365 * DAY)
    fate = _fate(rng, created, now, window_start)
    churned_at = rng.randint(max(created, window_start) + DAY, now - 3600) if fate == "churned" else None
    people = _people(rng, domain, _headcount(rng, seats))
    billing_email = rng.choice((f"billing@{domain}", f"finance@{domain}", people[0].email))
    has_organization = rng.random() < 0.9
    customer_id = random_id(rng, "cus_")
    group_roll = rng.random()
    group_id = None if group_roll < 0.05 else domain if group_roll < 0.25 else customer_id
    return Company(
        customer_id=customer_id,
        name=name,
        domain=domain,
        created=created,
        billing_email=billing_email,
        plan=_plan_for(rng, seats),
        interval="year" if rng.random() < 0.15 else "month",
        seats=seats,
        fate=fate,
        churned_at=churned_at,
        cancel_at_period_end=fate == "active" and rng.random() < 0.03,
        has_organization=has_organization,
        organization_linked=has_organization and rng.random() < 0.85,
        group_id=group_id,
        people=people,
    )


def _fate(rng: random.Random, created: int, now: int, window_start: int) -> str:
    if now - created < 14 * DAY and rng.random() < 0.7:
        return "trialing"
    roll = rng.random()
    if roll < 0.08 and now - max(created, window_start) > 2 * DAY:
        return "churned"
    if roll < 0.13:
        return "past_due"
    return "active"


def _name_and_domain(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    base = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
    name = base + rng.choice(SUFFIXES)
    slug = base.lower().replace(" ", "")
    domain = slug + rng.choice(TLDS)
    number = 2
    while domain in taken:
        domain = f"{slug}{number}{rng.choice(TLDS)}"
        number += 1
    taken.add(domain)
    return name, domain


def _seats(rng: random.Random) -> int:
    return min(2000, int(2 * rng.paretovariate(1.25)))


def _plan_for(rng: random.Random, seats: int) -> Plan:
    tier = 0 if seats <= 4 else 1 if seats <= 25 else 2 if seats <= 150 else 3
    tier = min(3, max(0, tier + rng.choice((-1, 0, 0, 0, 1))))
    return PLANS[("starter", "team", "business", "enterprise")[tier]]


def _headcount(rng: random.Random, seats: int) -> int:
    return max(1, min(seats, 60, round(rng.lognormvariate(math.log(2.2 + math.log(seats)), 0.45))))


def _people(rng: random.Random, domain: str, headcount: int) -> tuple[Person, ...]:
    taken: set[str] = set()
    return tuple(_person(rng, domain, taken) for _ in range(headcount))


def _person(rng: random.Random, domain: str, taken: set[str]) -> Person:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}"
    number = 2
    while local.lower() in taken:
        local = f"{first}.{last}{number}"
        number += 1
    taken.add(local.lower())
    email = f"{local}@{domain}".lower()
    roll = rng.random()
    if roll < 0.15:
        zendesk_email = None
    elif roll < 0.25:
        # a personal address: no domain to match an organization on
        zendesk_email = f"{local.lower()}+{domain.split('.')[0]}@gmail.com"
    elif roll < 0.38:
        # typed by hand in a support form: same address, different letter case
        zendesk_email = f"{local}@{domain.capitalize()}"
    else:
        zendesk_email = email
    return Person(
        user_id=f"usr_{rng.getrandbits(48):012x}",
        anonymous_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        name=f"{first} {last}",
        email=email,
        zendesk_email=zendesk_email,
        zendesk_linked=zendesk_email is not None and rng.random() < 0.6,
        weight=rng.lognormvariate(0.0, 1.1),
    )
