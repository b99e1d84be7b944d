"""Inputs both sides of a figure share: recorded streams, token streams, seeded stores."""
