"""What recipient countries say they need, registered by their focal points."""
