"""account_priority and ticket_priority on two hand-made companies, with the arithmetic written out."""

import math


def test_an_account_with_1200_mrr_used_6_of_7_days_scores_86_and_is_strategic(built_two_companies):
    [acme] = built_two_companies.rows("select * from main.account_priority where account_id = 'cus_acme'")
    spend_component = math.log10(1 + 1200) / math.log10(1 + 20000)
    # active 6/5 -> 1 (x0.4), 12 logins/10 -> 1 (x0.3), 8 features/8 -> 1 (x0.3); subscription active -> 1.
    expected_score = round(100 * (0.5 * spend_component + 0.3 * 1.0 + 0.2 * 1.0))
    assert expected_score == 86
    assert acme["score"] == expected_score
    assert acme["tier"] == "strategic"
    assert acme["mrr"] == 1200
    assert acme["spend_90d"] == 1000          # 1,200 captured - 200 refunded; the failed charge counts nothing
    assert acme["lifetime_spend"] == 1500     # + 500 in 2025; the charge after as_of is not counted
    assert acme["plan"] == "Enterprise (yearly)"
    assert (acme["active_days_7d"], acme["logins_7d"], acme["features_used_7d"]) == (6, 12, 8)
    assert acme["activity_score"] == 1.0
    assert acme["tier_reason"].startswith("strategic: score 86 = 50 x spend 0.72 + 30 x activity 1.00")
    assert "active 6 of last 7 days, 12 logins, 8 features" in acme["tier_reason"]


def test_a_churned_account_with_60_dollars_of_recent_spend_and_no_activity_is_low(built_two_companies):
    [bolt] = built_two_companies.rows("select * from main.account_priority where account_id = 'cus_bolt'")
    spend_component = math.log10(1 + 60 / 3) / math.log10(1 + 20000)
    assert bolt["score"] == round(100 * 0.5 * spend_component) == 15
    assert (bolt["tier"], bolt["churn_state"], bolt["mrr"], bolt["activity_score"]) == ("low", "churned", 0, 0)


def test_the_open_ticket_of_a_strategic_account_comes_out_urgent_with_its_tier_tag(built_two_companies):
    [ticket] = built_two_companies.rows("select * from main.ticket_priority where ticket_id = 300")
    assert ticket["account_id"] == "cus_acme"
    assert (ticket["tier"], ticket["current_priority"], ticket["target_priority"]) == ("strategic", "normal", "urgent")
    assert ticket["target_tags"] == ["billing", "loop_tier_strategic"]
    assert ticket["needs_update"] is True
    assert ticket["reason"].startswith("account cus_acme via requester: strategic: score 86")


def test_an_agent_set_urgent_priority_is_kept_on_a_low_tier_ticket(built_two_companies):
    [ticket] = built_two_companies.rows("select * from main.ticket_priority where ticket_id = 301")
    # Bo writes from gmail without organization; his product user id leads to Bolt through Segment.
    assert (ticket["account_id"], ticket["tier"]) == ("cus_bolt", "low")
    assert (ticket["current_priority"], ticket["target_priority"]) == ("urgent", "urgent")
    assert ticket["target_tags"] == ["loop_tier_low"]
    assert "keeps urgent (tier gives low)" in ticket["reason"]


def test_a_ticket_from_an_unknown_requester_gets_tier_normal_and_says_why(built_two_companies):
    [ticket] = built_two_companies.rows("select * from main.ticket_priority where ticket_id = 302")
    assert (ticket["account_id"], ticket["tier"], ticket["target_priority"]) == (None, "normal", "normal")
    assert ticket["target_tags"] == ["api", "loop_tier_normal"]
    assert ticket["reason"] == "requester 202 and organization none match no account: tier normal"


def test_solved_tickets_are_left_out(built_two_companies):
    rows = built_two_companies.rows("select ticket_id from main.ticket_priority order by 1")
    assert [r["ticket_id"] for r in rows] == [300, 301, 302]
