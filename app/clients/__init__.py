"""Client companies of an agency and which staff serve them."""
