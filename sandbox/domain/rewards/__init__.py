"""Reward logic: campaigns from the partner's input sheet, seeded draws, coupon pools."""
